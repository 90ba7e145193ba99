//! The add-node palette: a search box over the canvas where a few letters of a kind ("rev",
//! "log") or words of its description ("low pass") find the node kinds to add, best first.
//!
//! The panel owns where it was opened and what is typed; choosing a kind leaves as an
//! [`Action`] for the app, which adds the node to the document.

use iced::widget::{button, column, container, scrollable, text, text_input};
use iced::{Element, Length, Point};
use yano_engine::{NodeDescriptor, Registry};

/// The id of the palette's text field, focused when it opens.
pub const INPUT: &str = "palette-input";

/// What the palette sends.
#[derive(Debug, Clone)]
pub enum Message {
    /// The search text changed.
    Query(String),
    /// Enter: add the best match.
    Submit,
    /// Add a node of this kind.
    Add(String),
}

/// What the app must do after a palette message.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    /// Add a node of `kind` at the world point the palette was opened at, or at the pointer when
    /// it was not open. The palette has closed.
    Add {
        kind: String,
        at: Option<Point>,
    },
}

/// The palette, open at a world point with what is typed so far, or closed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Palette {
    open: Option<(Point, String)>,
}

impl Palette {
    /// Opens empty at `at` (a world point, where the new node will go).
    pub fn open(&mut self, at: Point) {
        self.open = Some((at, String::new()));
    }

    /// Closes; true when it was open.
    pub fn close(&mut self) -> bool {
        self.open.take().is_some()
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    pub fn update(&mut self, message: Message, registry: &Registry) -> Action {
        match message {
            Message::Query(q) => {
                if let Some((_, query)) = &mut self.open {
                    *query = q;
                }
                Action::None
            }
            Message::Submit => {
                let best = self
                    .open
                    .as_ref()
                    .and_then(|(_, query)| search(registry, query).first().map(|d| d.kind));
                match best {
                    Some(kind) => self.update(Message::Add(kind.to_string()), registry),
                    None => Action::None,
                }
            }
            Message::Add(kind) => Action::Add {
                kind,
                at: self.open.take().map(|(at, _)| at),
            },
        }
    }

    /// The palette's card, when open.
    pub fn view<'a>(&'a self, registry: &'a Registry) -> Option<Element<'a, Message>> {
        let (_, query) = self.open.as_ref()?;
        let found = search(registry, query);
        let list = found.iter().take(12).fold(column![].spacing(2), |list, d| {
            list.push(
                button(column![text(d.kind).size(14), text(d.description).size(11)].spacing(1))
                    .width(Length::Fill)
                    .style(button::text)
                    .on_press(Message::Add(d.kind.to_string())),
            )
        });
        let body = column![
            text("Add a node").size(15),
            text_input("type a few letters: rev, log drum, low pass…", query)
                .id(INPUT)
                .on_input(Message::Query)
                .on_submit(Message::Submit)
                .padding(6),
            scrollable(list).height(Length::Fixed(360.0)),
            text(format!(
                "{} kinds · Enter adds the first · Esc closes",
                found.len()
            ))
            .size(11),
        ]
        .spacing(6);
        Some(
            container(
                container(body)
                    .padding(10)
                    .width(Length::Fixed(380.0))
                    .style(container::rounded_box),
            )
            .padding(30)
            .into(),
        )
    }
}

/// Kinds the editor never offers (test doubles registered by tests).
fn offered(d: &NodeDescriptor) -> bool {
    !d.kind.starts_with("test.")
}

/// How well `query` names `d`: lower is better, `None` is no match.
fn rank(d: &NodeDescriptor, query: &str) -> Option<u8> {
    let kind = d.kind.to_lowercase();
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Some(3);
    }
    let short = kind.rsplit('.').next().unwrap_or(&kind);
    let joined = words.join(" ");
    if short.starts_with(&joined) || kind.starts_with(&joined) {
        return Some(0);
    }
    if words.iter().all(|w| kind.contains(w.as_str())) {
        return Some(1);
    }
    let description = d.description.to_lowercase();
    words
        .iter()
        .all(|w| kind.contains(w.as_str()) || description.contains(w.as_str()))
        .then_some(2)
}

/// The kinds matching `query`, best first, then alphabetically.
pub fn search<'r>(registry: &'r Registry, query: &str) -> Vec<&'r NodeDescriptor> {
    let mut found: Vec<(u8, &NodeDescriptor)> = registry
        .iter()
        .filter(|d| offered(d))
        .filter_map(|d| rank(d, query).map(|r| (r, d)))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.kind.cmp(b.1.kind)));
    found.into_iter().map(|(_, d)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_of_a_kind_find_it_first() {
        let registry = yano_nodes::registry();
        let found = search(&registry, "rev");
        assert_eq!(found.first().map(|d| d.kind), Some("fx.reverb"));
        let found = search(&registry, "log");
        assert_eq!(found.first().map(|d| d.kind), Some("instrument.log_drum"));
    }

    #[test]
    fn words_of_a_description_find_kinds() {
        let registry = yano_nodes::registry();
        let kinds: Vec<&str> = search(&registry, "piano roll")
            .iter()
            .map(|d| d.kind)
            .collect();
        assert!(kinds.contains(&"sequence.clip"), "{kinds:?}");
        assert!(search(&registry, "zzzz nothing").is_empty());
        assert_eq!(
            search(&registry, "").len(),
            registry.iter().filter(|d| offered(d)).count()
        );
    }

    #[test]
    fn enter_adds_the_best_match_where_the_palette_opened_and_closes_it() {
        let registry = yano_nodes::registry();
        let mut palette = Palette::default();
        palette.open(Point::new(70.0, 30.0));
        let _ = palette.update(Message::Query("rev".into()), &registry);
        assert_eq!(
            palette.update(Message::Submit, &registry),
            Action::Add {
                kind: "fx.reverb".into(),
                at: Some(Point::new(70.0, 30.0))
            }
        );
        assert!(!palette.is_open());
        // Closed, a kind still comes through (a shortcut), to be placed at the pointer.
        assert_eq!(
            palette.update(Message::Add("util.gain".into()), &registry),
            Action::Add {
                kind: "util.gain".into(),
                at: None
            }
        );
        assert_eq!(palette.update(Message::Submit, &registry), Action::None);
    }
}
