//! A self-contained HTML view of an [`Analysis`]: the text with entities highlighted by type, the
//! speaker × target stance table coloured by stance, and the attributions. Used by the CLI's
//! `--format html` and by the notebook display of `stancekit.Analysis`.

use std::fmt::Write;

use crate::analysis::Analysis;
use crate::tokenize::CharIndex;
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
    match label {
        "PER" => "#aa9cfc",
        "ORG" => "#7aecec",
        "LOC" => "#feca74",
        "MISC" => "#c887fb",
        _ => "#dddddd",
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

/// The HTML fragment (a `<div>`); wrap it with [`page`] for a standalone file.
pub fn fragment(text: &str, analysis: &Analysis) -> String {
    let index = CharIndex::new(text);
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
    let mut html =
        String::from("<div class=\"stancekit\" style=\"font-family:sans-serif;line-height:1.6\">");
    html.push_str(
        "<div style=\"white-space:pre-wrap;border:1px solid #ddd;padding:8px;margin-bottom:12px\">",
    );
    let mut position = 0;
    for (start, end, label, name) in mentions {
        if start < position {
            continue;
        }
        html.push_str(&escape(index.slice(position, start)));
        let _ = write!(
            html,
            "<mark title=\"{} ({})\" style=\"background:{};padding:0 3px;border-radius:3px\">{}<sup style=\"font-size:60%;margin-left:2px\">{}</sup></mark>",
            escape(name),
            label,
            label_colour(label),
            escape(index.slice(start, end)),
            label
        );
        position = end;
    }
    html.push_str(&escape(index.slice(position, index.len())));
    html.push_str("</div>");

    html.push_str("<table style=\"border-collapse:collapse;margin-bottom:12px\"><tr><th style=\"text-align:left;padding:4px\">speaker \\ target</th>");
    for target in &analysis.targets {
        let _ = write!(html, "<th style=\"padding:4px\">{}</th>", escape(target));
    }
    html.push_str("</tr>");
    for speaker in &analysis.speakers {
        let _ = write!(
            html,
            "<tr><th style=\"text-align:left;padding:4px\">{}</th>",
            escape(speaker)
        );
        for target in &analysis.targets {
            let cell = analysis
                .stances
                .iter()
                .find(|s| s.speaker == *speaker && s.target == *target);
            match cell {
                Some(stance) => {
                    let _ = write!(
                        html,
                        "<td title=\"{} evidence sentence(s)\" style=\"background:{};padding:4px 8px;text-align:center\">{} {:.2}</td>",
                        stance.evidence.len(),
                        stance_colour(stance.label, stance.score),
                        stance.label,
                        stance.score
                    );
                }
                None => html.push_str("<td></td>"),
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</table><ol style=\"padding-left:20px\">");
    for attribution in &analysis.attributions {
        let _ = write!(
            html,
            "<li><b>{}</b> <small>({}{:.2})</small>: {}</li>",
            escape(&attribution.speaker),
            if attribution.cue.is_empty() {
                String::new()
            } else {
                format!("{}, ", escape(&attribution.cue))
            },
            attribution.confidence,
            escape(index.slice(attribution.start, attribution.end))
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
    use crate::analysis::{Attribution, DocumentEntity};
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
                cue: String::new(),
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
}
