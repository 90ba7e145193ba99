//! A script that sings: a melody with syllables in a clip, `instrument.voice`, a render and a
//! MIDI export. The syllables come back as the MIDI file's lyrics, in the order sung, and the
//! render sounds where the notes are and is silent in the rests.

use std::sync::Arc;

use yano_scripting::{run, Limits, Sandbox};

const SCRIPT: &str = r#"
let g = graph(#{ bpm: 120.0 });
let hook = g.add("sequence.clip", #{ length_beats: 8.0 });
g.set(hook, "loop", false);
g.set(hook, "notes", melody(["Eb4 ah 1/4", "F4 yeah 1/4", "rest 1/2", "Gb4+Bb4 ooh 1/2", "Eb4 1/2"]));
let singer = g.add("instrument.voice", #{ voice: "alto" });
let out = g.add("io.output");
g.connect(hook, "notes", singer, "notes");
g.connect(singer, "out", out, "in");
g.render("sung.wav", #{ seconds: 4.0 });
g.export_midi("sung.mid", #{ bars: 2 });
g.get(hook, "notes")
"#;

#[test]
fn a_scripted_melody_is_sung_and_exported_with_its_lyrics() {
    let out = yano_testkit::scratch("singing-tests", "melody");
    let sandbox = Sandbox {
        output: Some(out.clone()),
        readable: Vec::new(),
        limits: Limits::default(),
    };
    let registry = Arc::new(yano_registry::registry());
    let value =
        run("sing.rhai", SCRIPT, registry, sandbox, Vec::new()).unwrap_or_else(|e| panic!("{e}"));
    let text = value.into_string().unwrap();
    assert_eq!(
        text, "Eb4 ah 0 1; F4 yeah 1 1; Gb4+Bb4 ooh 4 2; Eb4 6 2",
        "the clip the melody wrote"
    );

    // The lyrics, as a MIDI reader sees them: one per sung onset, in time order.
    let bytes = std::fs::read(out.join("sung.mid")).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    let mut lyrics = Vec::new();
    for track in &smf.tracks {
        for e in track {
            if let midly::TrackEventKind::Meta(midly::MetaMessage::Lyric(t)) = e.kind {
                lyrics.push(String::from_utf8_lossy(t).to_string());
            }
        }
    }
    assert_eq!(lyrics, ["ah", "yeah", "ooh"], "one lyric a sung onset");

    // 120 BPM: a beat is half a second. Sound in beats 0–2 and 4–8, near silence in the rest
    // (beats 2–4, after the second note's release tail has died: 2.6–3.9 beats).
    let mut reader = hound::WavReader::open(out.join("sung.wav")).unwrap();
    let rate = reader.spec().sample_rate as f64;
    let samples: Vec<f32> = match reader.spec().sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let full = (1i64 << (reader.spec().bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.unwrap() as f32 / full)
                .collect()
        }
    };
    let left: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let db = |from_beat: f64, to_beat: f64| {
        let (a, b) = (
            (from_beat * 0.5 * rate) as usize,
            (to_beat * 0.5 * rate) as usize,
        );
        let x = &left[a..b];
        10.0 * (x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len() as f64 + 1e-20)
            .log10()
    };
    let (sung, rest, chord) = (db(0.2, 1.8), db(2.6, 3.9), db(4.2, 5.8));
    println!("sung {sung:.1} dB, rest {rest:.1} dB, chord {chord:.1} dB");
    assert!(
        sung > -40.0 && chord > -40.0,
        "sung {sung:.1} dB, chord {chord:.1} dB"
    );
    assert!(
        rest < sung - 30.0,
        "the rest is {rest:.1} dB against {sung:.1} dB"
    );
}
