//! A self-contained HTML view of an [`Analysis`]: the text with entities highlighted by type, the
//! speaker × target stance table coloured by stance, and the attributions. Used by the CLI's
//! `--format html` and by the notebook display of `stancekit.Analysis`.

use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::analysis::document::{Analysis, Basis, AUTHOR};
use crate::analysis::lexicon::{entity_kind, EntityKind};
use crate::text::offsets::CharIndex;
use crate::types::Stance;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

fn label_colour(label: &str) -> &'static str {
    match entity_kind(label) {
        EntityKind::Person => "#aa9cfc",
        EntityKind::Organisation => "#7aecec",
        EntityKind::Place => "#feca74",
        EntityKind::Group => "#bfe1d9",
        EntityKind::Other => "#c887fb",
    }
}

fn stance_colour(stance: Stance, score: f32) -> String {
    let alpha = 0.15 + 0.6 * score.clamp(0.0, 1.0);
    match stance {
        Stance::Favor => format!("rgba(46,160,67,{alpha:.2})"),
        Stance::Against => format!("rgba(215,58,73,{alpha:.2})"),
        Stance::None => "rgba(128,128,128,0.12)".to_owned(),
    }
}

/// Colours of speakers' content marks, in order of the speakers.
const SPEAKER_COLOURS: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// A fresh prefix for element ids, so that several fragments on one page (a notebook, a corpus page) keep
/// their links apart.
fn id_prefix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("sk{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The HTML fragment (a `<div>`); wrap it with [`page`] for a standalone file.
///
/// The text shows entities highlighted by type and each speaker's content underlined in the speaker's colour
/// (hover for speaker, source and cue); each stance cell links to its first evidence content; the list below
/// gives every relation (speaker ← source, cue: content) and the author's sentences.
pub fn fragment(text: &str, analysis: &Analysis) -> String {
    let index = CharIndex::new(text);
    let prefix = id_prefix();
    let colour_of = |speaker: &str| {
        let position = analysis
            .speakers
            .iter()
            .position(|name| name == speaker)
            .unwrap_or(0);
        SPEAKER_COLOURS[position % SPEAKER_COLOURS.len()]
    };
    // Content ranges of reported speech: (start, end, attribution index).
    let mut contents: Vec<(usize, usize, usize)> = analysis
        .attributions
        .iter()
        .enumerate()
        .filter(|(_, attribution)| attribution.speaker != AUTHOR)
        .flat_map(|(number, attribution)| {
            attribution
                .content
                .iter()
                .map(move |range| (range.start, range.end, number))
        })
        .collect();
    contents.sort_by_key(|content| content.0);
    let mut mentions: Vec<(usize, usize, &str, &str)> = analysis
        .entities
        .iter()
        .flat_map(|group| {
            group
                .mentions
                .iter()
                .map(move |m| (m.start, m.end, m.label.as_str(), group.name.as_str()))
        })
        .collect();
    mentions.sort_by_key(|mention| mention.0);
    let mut boundaries: Vec<usize> = vec![0, index.len()];
    boundaries.extend(contents.iter().flat_map(|c| [c.0, c.1]));
    boundaries.extend(mentions.iter().flat_map(|m| [m.0, m.1]));
    boundaries.retain(|&position| position <= index.len());
    boundaries.sort_unstable();
    boundaries.dedup();
    let mut html =
        String::from("<div class=\"stancekit\" style=\"font-family:sans-serif;line-height:1.7\">");
    html.push_str(
        "<div style=\"white-space:pre-wrap;border:1px solid #ddd;padding:8px;margin-bottom:12px\">",
    );
    let mut anchored: Vec<usize> = Vec::new();
    for pair in boundaries.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        if start == end {
            continue;
        }
        let content = contents.iter().find(|c| c.0 <= start && end <= c.1);
        let mention = mentions.iter().find(|m| m.0 <= start && end <= m.1);
        let mut piece = escape(index.slice(start, end));
        if let Some(&(mention_start, mention_end, label, name)) = mention {
            let label_tag = if end == mention_end {
                format!(
                    "<sup style=\"font-size:60%;margin-left:2px\">{}</sup>",
                    escape(label)
                )
            } else {
                String::new()
            };
            let radius = if start == mention_start { "3px" } else { "0" };
            piece = format!(
                "<mark title=\"{} ({})\" style=\"background:{};padding:0 2px;border-radius:{radius}\">{piece}{label_tag}</mark>",
                escape(name),
                escape(label),
                label_colour(label),
            );
        }
        if let Some(&(_, _, number)) = content {
            let attribution = &analysis.attributions[number];
            let id = if anchored.contains(&number) {
                String::new()
            } else {
                anchored.push(number);
                format!(" id=\"{prefix}-c{number}\"")
            };
            let detail = match (&attribution.source, &attribution.cue) {
                (Some(source), Some(cue)) => format!(" ← {}, {}", source.text, cue.text),
                (Some(source), None) => format!(" ← {}", source.text),
                (None, Some(cue)) => format!(", {}", cue.text),
                (None, None) => String::new(),
            };
            piece = format!(
                "<span{id} title=\"{}{}\" style=\"border-bottom:2px solid {};background:rgba(0,0,0,0.03)\">{piece}</span>",
                escape(&attribution.speaker),
                escape(&detail),
                colour_of(&attribution.speaker),
            );
        }
        html.push_str(&piece);
    }
    html.push_str("</div>");

    html.push_str("<table style=\"border-collapse:collapse;margin-bottom:12px\"><tr><th style=\"text-align:left;padding:4px\">speaker \\ target</th>");
    for target in &analysis.targets {
        let _ = write!(html, "<th style=\"padding:4px\">{}</th>", escape(target));
    }
    html.push_str("</tr>");
    for speaker in &analysis.speakers {
        let _ = write!(
            html,
            "<tr><th style=\"text-align:left;padding:4px;border-left:4px solid {}\">{}</th>",
            if speaker == AUTHOR {
                "#999"
            } else {
                colour_of(speaker)
            },
            escape(speaker)
        );
        for target in &analysis.targets {
            let cell = analysis
                .stances
                .iter()
                .find(|s| s.speaker == *speaker && s.target == *target);
            match cell {
                Some(stance) => {
                    let label = format!("{} {:.2}", stance.label, stance.score);
                    let linked = stance
                        .evidence
                        .first()
                        .and_then(|&(start, _)| {
                            analysis.attributions.iter().position(|attribution| {
                                attribution.content.iter().any(|range| range.start == start)
                            })
                        })
                        .filter(|number| anchored.contains(number))
                        .map_or_else(
                            || label.clone(),
                            |number| format!("<a href=\"#{prefix}-c{number}\" style=\"color:inherit\">{label}</a>"),
                        );
                    let basis = match stance.basis {
                        Basis::Evidence => format!("{} evidence content(s)", stance.evidence.len()),
                        Basis::ReadAsNone => "content about the target, read as none".to_owned(),
                        Basis::NoRelevantContent => "no content about the target".to_owned(),
                    };
                    let _ = write!(
                        html,
                        "<td title=\"{}\" style=\"background:{};padding:4px 8px;text-align:center\">{linked}</td>",
                        escape(&basis),
                        stance_colour(stance.label, stance.score),
                    );
                }
                None => html.push_str("<td></td>"),
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</table><ol style=\"padding-left:20px\">");
    for (number, attribution) in analysis.attributions.iter().enumerate() {
        let source = attribution
            .source
            .as_ref()
            .map(|source| format!(" ← {}", escape(&source.text)))
            .unwrap_or_default();
        let cue = attribution
            .cue
            .as_ref()
            .map(|cue| format!("{}, ", escape(&cue.text)))
            .unwrap_or_default();
        let body = escape(&attribution.content_text());
        let body = if anchored.contains(&number) {
            format!("<a href=\"#{prefix}-c{number}\" style=\"color:inherit\">{body}</a>")
        } else {
            body
        };
        let _ = write!(
            html,
            "<li><b>{}</b>{source} <small>({cue}{:.2})</small>: {body}</li>",
            escape(&attribution.speaker),
            attribution.confidence,
        );
    }
    html.push_str("</ol></div>");
    html
}

/// A standalone HTML page around `body` (already HTML).
pub fn document(body: &str) -> String {
    format!("{}{body}{}", document_head(), document_tail())
}

/// The start of a page, up to its body: [`document`] is this, the body and [`document_tail`], for writers
/// that stream a page one document at a time.
pub fn document_head() -> &'static str {
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>stancekit analysis</title></head><body>"
}

/// The end of a page after its body.
pub fn document_tail() -> &'static str {
    "</body></html>\n"
}

/// A standalone HTML page of one analysis.
pub fn page(text: &str, analysis: &Analysis) -> String {
    document(&fragment(text, analysis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::document::{Attribution, DocumentEntity, SpeakerStance};
    use crate::text::offsets::TextSpan;
    use crate::types::Entity;

    #[test]
    fn text_is_escaped_and_entities_marked() {
        let text = "<b>Vance</b> & “co”";
        let analysis = Analysis {
            sentences: Vec::new(),
            entities: vec![DocumentEntity {
                name: "JD Vance".into(),
                label: "PER".into(),
                roles: Vec::new(),
                mentions: vec![Entity {
                    text: "Vance".into(),
                    label: "PER".into(),
                    start: 3,
                    end: 8,
                    score: 0.9,
                }],
            }],
            speakers: vec!["author".into()],
            attributions: vec![Attribution {
                speaker: "author".into(),
                start: 0,
                end: 19,
                source: None,
                cue: None,
                content: vec![TextSpan {
                    start: 0,
                    end: 19,
                    text: text.into(),
                }],
                confidence: 1.0,
            }],
            targets: Vec::new(),
            stances: Vec::new(),
        };
        let html = page(text, &analysis);
        assert!(html.contains("&lt;b&gt;<mark"));
        assert!(html.contains(">Vance<sup"));
        assert!(html.contains("&amp; “co”"));
        assert!(!html.contains("<b>Vance"));
    }

    #[test]
    fn contents_are_marked_and_cells_link_to_their_evidence() {
        let text = "<i>Vance</i> said: “sanctions & <b>more</b>.”";
        let quote_start = text.chars().position(|c| c == '“').unwrap() + 1;
        let quote_end = text.chars().count() - 1;
        let content: String = text
            .chars()
            .skip(quote_start)
            .take(quote_end - quote_start)
            .collect();
        let analysis = Analysis {
            sentences: Vec::new(),
            entities: Vec::new(),
            speakers: vec!["<Vance>".into(), "author".into()],
            attributions: vec![Attribution {
                speaker: "<Vance>".into(),
                start: 0,
                end: quote_end,
                source: Some(TextSpan {
                    start: 3,
                    end: 8,
                    text: "Vance".into(),
                }),
                cue: Some(TextSpan {
                    start: 13,
                    end: 17,
                    text: "said".into(),
                }),
                content: vec![TextSpan {
                    start: quote_start,
                    end: quote_end,
                    text: content,
                }],
                confidence: 0.9,
            }],
            targets: vec!["sanctions <on> Russia".into()],
            stances: vec![SpeakerStance {
                speaker: "<Vance>".into(),
                target: "sanctions <on> Russia".into(),
                label: Stance::Favor,
                score: 0.8,
                scores: Default::default(),
                evidence: vec![(quote_start, quote_end)],
                basis: Basis::Evidence,
            }],
        };
        let html = fragment(text, &analysis);
        assert!(!html.contains("<b>more") && !html.contains("<i>Vance"));
        assert!(!html.contains("<Vance>") && !html.contains("<on>"));
        assert!(html.contains("&lt;Vance&gt;") && html.contains("sanctions &lt;on&gt; Russia"));
        // The content is marked in the text with an id, and the table cell and the list link to it.
        let id = html
            .split(" id=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a content anchor");
        assert!(html.contains(&format!(
            "id=\"{id}\" title=\"&lt;Vance&gt; ← Vance, said\""
        )));
        assert_eq!(html.matches(&format!("href=\"#{id}\"")).count(), 2);
        assert!(html.contains("favor 0.80</a>"));
        assert!(html.contains("sanctions &amp; &lt;b&gt;more&lt;/b&gt;."));
    }
}
