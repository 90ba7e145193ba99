//! The transport bar: play and stop, the loop and its bars, the position, tempo and swing, the
//! master level and where the sound goes. It owns the text typed into its entries and reads the
//! engine it is given; play, stop and loop leave as [`Action`]s for the app to give the engine,
//! and a new tempo or swing as a document edit (so undo sees it).

use iced::widget::{button, row, text, text_input, Space};
use iced::{Alignment, Element, Length};
use yano_engine::Transport;

use crate::audio::Engine;
use crate::scene::Scene;

/// What the transport bar sends.
#[derive(Debug, Clone)]
pub enum Message {
    TogglePlay,
    Stop,
    ToggleLoop,
    LoopEntry(String),
    BpmEntry(String),
    SwingEntry(String),
    /// Enter in the tempo or swing entry.
    Submit,
}

/// What the app must do after a transport message.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    Play,
    Stop,
    /// Loop these bars (first, last), or stop looping.
    Loop(Option<(u32, u32)>),
    /// The document's transport takes these values (an edit).
    SetTransport(Transport),
    /// Typed entry that does not read, with the reason.
    Refused(String),
}

/// The transport bar's state: the text of its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportBar {
    bpm: String,
    swing: String,
    loop_bars: String,
}

impl Default for TransportBar {
    fn default() -> Self {
        TransportBar {
            bpm: String::new(),
            swing: String::new(),
            loop_bars: "1-4".into(),
        }
    }
}

impl TransportBar {
    /// Shows the document's tempo and swing (after any edit, undo or open).
    pub fn show(&mut self, transport: &Transport) {
        self.bpm = format!("{}", transport.bpm);
        self.swing = format!("{}", transport.swing);
    }

    /// The loop entry as bars first-last ("1-4"), if it reads.
    fn loop_bars(&self) -> Option<(u32, u32)> {
        let (a, b) = self.loop_bars.split_once('-')?;
        let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        (a >= 1 && b >= a).then_some((a, b))
    }

    /// `transport` is the document's; `engine` says whether it plays and loops.
    pub fn update(
        &mut self,
        message: Message,
        transport: Transport,
        engine: Option<&Engine>,
    ) -> Action {
        match message {
            Message::TogglePlay => {
                if engine.is_some_and(Engine::is_playing) {
                    Action::Stop
                } else {
                    Action::Play
                }
            }
            Message::Stop => Action::Stop,
            Message::ToggleLoop => {
                if engine.and_then(Engine::loop_bars).is_some() {
                    return Action::Loop(None);
                }
                match self.loop_bars() {
                    Some(bars) => Action::Loop(Some(bars)),
                    None => Action::Refused(format!(
                        "loop \"{}\": write bars as first-last, e.g. 1-4",
                        self.loop_bars
                    )),
                }
            }
            Message::LoopEntry(text) => {
                self.loop_bars = text;
                Action::None
            }
            Message::BpmEntry(text) => {
                self.bpm = text;
                Action::None
            }
            Message::SwingEntry(text) => {
                self.swing = text;
                Action::None
            }
            Message::Submit => self.submit(transport),
        }
    }

    fn submit(&self, mut t: Transport) -> Action {
        match (
            self.bpm.trim().parse::<f64>(),
            self.swing.trim().parse::<f64>(),
        ) {
            (Ok(bpm), Ok(swing))
                if (40.0..=240.0).contains(&bpm) && (0.5..=0.75).contains(&swing) =>
            {
                if (t.bpm, t.swing) == (bpm, swing) {
                    return Action::None;
                }
                t.bpm = bpm;
                t.swing = swing;
                Action::SetTransport(t)
            }
            _ => Action::Refused(format!(
                "tempo \"{}\" / swing \"{}\": BPM is 40..240 and swing 0.5..0.75",
                self.bpm, self.swing
            )),
        }
    }

    /// The bar's transport part. `engine_error` says why there is no engine; the master level
    /// is read from the scene's mixer while playing.
    pub fn view<'a>(
        &'a self,
        engine: Option<&'a Engine>,
        engine_error: Option<&'a str>,
        scene: &'a Scene,
    ) -> Element<'a, Message> {
        let playing = engine.is_some_and(|e| e.is_playing());
        let looping = engine.and_then(|e| e.loop_bars()).is_some();
        let position = engine.map_or("–:–".to_string(), |e| e.position_text());
        let output = match (engine, engine_error) {
            (Some(e), _) => {
                let t = e.output_text();
                match t.char_indices().nth(72) {
                    Some((cut, _)) => format!("{}…", &t[..cut]),
                    None => t,
                }
            }
            (None, Some(err)) => format!("graph does not run: {err}"),
            (None, None) => String::new(),
        };
        let master = scene
            .boxes
            .iter()
            .find(|b| b.kind == "mixer.console")
            .filter(|_| playing)
            .and_then(|b| engine?.readouts(&b.id))
            .map(|r| {
                format!(
                    "master {:>5.1} dB peak · {:>5.1} LUFS-M",
                    r.by_name("master_peak_db").unwrap_or(-120.0),
                    r.by_name("master_lufs_m").unwrap_or(-120.0)
                )
            })
            .unwrap_or_default();
        let entry = |value: &'a str, width: f32, on: fn(String) -> Message| {
            text_input("", value)
                .size(13)
                .padding(4)
                .width(Length::Fixed(width))
                .on_input(on)
                .on_submit(Message::Submit)
        };
        row![
            button(text(if playing { "■ Stop" } else { "▶ Play" }).size(13))
                .padding([4, 12])
                .style(if playing {
                    button::danger
                } else {
                    button::success
                })
                .on_press(Message::TogglePlay),
            button(text(if looping { "⟲ Loop on" } else { "⟲ Loop" }).size(13))
                .padding([4, 10])
                .style(if looping {
                    button::primary
                } else {
                    button::secondary
                })
                .on_press(Message::ToggleLoop),
            entry(&self.loop_bars, 52.0, Message::LoopEntry),
            text("bars").size(12),
            text(position).size(20).width(Length::Fixed(70.0)),
            entry(&self.bpm, 58.0, Message::BpmEntry),
            text("BPM").size(12),
            entry(&self.swing, 50.0, Message::SwingEntry),
            text("swing").size(12),
            Space::new().width(Length::Fill),
            text(master).size(12),
            text(output).size(12),
        ]
        .spacing(6)
        .align_y(Alignment::Center)
        .width(Length::Fill)
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tempo_and_swing_out_of_range_are_refused_and_in_range_become_an_edit() {
        let mut bar = TransportBar::default();
        let t = Transport::default();
        bar.show(&t);
        assert_eq!(bar.update(Message::Submit, t, None), Action::None);
        let _ = bar.update(Message::BpmEntry("300".into()), t, None);
        assert!(matches!(
            bar.update(Message::Submit, t, None),
            Action::Refused(why) if why.contains("\"300\"")
        ));
        let _ = bar.update(Message::BpmEntry(" 118 ".into()), t, None);
        match bar.update(Message::Submit, t, None) {
            Action::SetTransport(new) => assert_eq!((new.bpm, new.swing), (118.0, t.swing)),
            other => panic!("no tempo edit: {other:?}"),
        }
    }

    #[test]
    fn the_loop_entry_reads_first_and_last_bars() {
        let mut bar = TransportBar::default();
        let t = Transport::default();
        assert_eq!(
            bar.update(Message::ToggleLoop, t, None),
            Action::Loop(Some((1, 4)))
        );
        let _ = bar.update(Message::LoopEntry("5 - 8".into()), t, None);
        assert_eq!(
            bar.update(Message::ToggleLoop, t, None),
            Action::Loop(Some((5, 8)))
        );
        let _ = bar.update(Message::LoopEntry("8-5".into()), t, None);
        assert!(matches!(
            bar.update(Message::ToggleLoop, t, None),
            Action::Refused(_)
        ));
    }
}
