//! Relations from role spans: each content with its source and cue.
//!
//! A content interrupted by its source and cue ("“We agree,” she said, “on most things.”") carries on with
//! `I-CONTENT`. [`assemble_relations`] turns the tagger's role spans into relations; it is a pure function, tested
//! on hand-made spans.

use serde::{Deserialize, Serialize};

use crate::pipelines::ner::roles::{Role, RoleSpan};
use crate::text::offsets::{CharIndex, TextSpan};
use crate::text::sentences::{sentence_at, Sentence};

/// Reported speech: what was said (`content`, one or more ranges), who said it (`source`) and the words that
/// report it (`cue`). `start`/`end` cover all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// Code-point offset of the relation's first character.
    pub start: usize,
    /// Code-point offset one past its last character.
    pub end: usize,
    /// Who is reported, when the text says.
    pub source: Option<TextSpan>,
    /// The reporting words, when there are any.
    pub cue: Option<TextSpan>,
    /// What was said, in text order (several ranges when the source and cue interrupt it).
    pub content: Vec<TextSpan>,
    /// Mean probability of the tags of the relation's spans.
    pub score: f32,
}

/// Characters between two spans (0 when they touch or overlap).
fn gap(a: (usize, usize), b: (usize, usize)) -> usize {
    if a.1 <= b.0 {
        b.0 - a.1
    } else {
        a.0.saturating_sub(b.1)
    }
}

/// A content under construction: its ranges and the sentences they touch.
struct Group<'s> {
    ranges: Vec<&'s RoleSpan>,
    first_sentence: usize,
    last_sentence: usize,
}

impl Group<'_> {
    fn gap_to(&self, span: &RoleSpan) -> usize {
        self.ranges
            .iter()
            .map(|range| gap((range.start, range.end), (span.start, span.end)))
            .min()
            .unwrap_or(usize::MAX)
    }
}

/// A content's ranges with the gaps between them filled where nothing interrupts the report: two ranges in one
/// sentence with no cue or source between them are one range ("that talks would start", "conversation" in "that
/// talks would start after a phone conversation" are one content whose middle the tagger left out). Ranges split
/// by a cue or source ("“We agree,” she said, “on most things.”"), or by a sentence end, stay apart.
fn bridged(
    ranges: &[&RoleSpan],
    cues: &[&RoleSpan],
    sources: &[&RoleSpan],
    sentences: &[Sentence],
) -> Vec<(usize, usize)> {
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for range in ranges {
        if let Some(last) = merged.last_mut() {
            let same_sentence = sentence_at(sentences, last.1.saturating_sub(1).max(last.0))
                == sentence_at(sentences, range.start);
            let interrupted = cues
                .iter()
                .chain(sources)
                .any(|span| span.start < range.start && span.end > last.1);
            if last.1 <= range.start && same_sentence && !interrupted {
                last.1 = range.end;
                continue;
            }
        }
        merged.push((range.start, range.end));
    }
    merged
}

/// Picks the span of `candidates` nearest to `distance`, preferring spans not yet used; marks it used.
fn nearest<'s>(
    candidates: impl Iterator<Item = (usize, &'s RoleSpan)>,
    used: &mut [bool],
    distance: impl Fn(&RoleSpan) -> usize,
) -> Option<&'s RoleSpan> {
    let (index, span) = candidates.min_by_key(|(index, span)| (used[*index], distance(span)))?;
    used[index] = true;
    Some(span)
}

/// Assembles relations from the role spans of `text` (any order) and its sentences:
///
/// - contents tagged as continuing (`I-` first) join the content before them when it ends at most two
///   sentences earlier ("“We agree,” she said, “on most things.”" is one content in two ranges);
/// - each content takes the nearest cue in the sentences it touches, and that cue the nearest source in the
///   cue's sentence (without a cue, the nearest source in the content's sentences); unused cues are preferred,
///   so two contents do not share one cue while another is free;
/// - a content with neither a cue nor a source that starts in the sentence after the previous relation's content
///   continues that relation (a reported view going on without a new cue); otherwise it is a relation of its own,
///   without source;
/// - sources and cues that no content takes are dropped.
pub fn assemble_relations(text: &str, roles: &[RoleSpan], sentences: &[Sentence]) -> Vec<Relation> {
    let index = CharIndex::new(text);
    let mut ordered: Vec<&RoleSpan> = roles.iter().collect();
    ordered.sort_by_key(|span| (span.start, span.end));
    let sentence_span = |span: &RoleSpan| {
        (
            sentence_at(sentences, span.start),
            sentence_at(sentences, span.end.saturating_sub(1).max(span.start)),
        )
    };
    let mut groups: Vec<Group<'_>> = Vec::new();
    for span in ordered.iter().filter(|span| span.role == Role::Content) {
        let (first, last) = sentence_span(span);
        match groups.last_mut() {
            Some(group) if span.continued && first <= group.last_sentence + 2 => {
                group.ranges.push(span);
                group.last_sentence = group.last_sentence.max(last);
            }
            _ => groups.push(Group {
                ranges: vec![span],
                first_sentence: first,
                last_sentence: last,
            }),
        }
    }
    let cues: Vec<&RoleSpan> = ordered
        .iter()
        .copied()
        .filter(|span| span.role == Role::Cue)
        .collect();
    let sources: Vec<&RoleSpan> = ordered
        .iter()
        .copied()
        .filter(|span| span.role == Role::Source)
        .collect();
    let mut cue_used = vec![false; cues.len()];
    let mut source_used = vec![false; sources.len()];
    let mut relations: Vec<(Relation, usize)> = Vec::new(); // with the last sentence of its content
    for group in &groups {
        let touches = |span: &RoleSpan| {
            let (first, last) = sentence_span(span);
            last >= group.first_sentence && first <= group.last_sentence
        };
        let cue = nearest(
            cues.iter()
                .copied()
                .enumerate()
                .filter(|(_, cue)| touches(cue)),
            &mut cue_used,
            |cue| group.gap_to(cue),
        );
        let source = match cue {
            Some(cue) => {
                let sentence = sentence_span(cue).0;
                nearest(
                    sources
                        .iter()
                        .copied()
                        .enumerate()
                        .filter(|(_, source)| sentence_span(source).0 == sentence),
                    &mut source_used,
                    |source| gap((cue.start, cue.end), (source.start, source.end)),
                )
            }
            None => nearest(
                sources
                    .iter()
                    .copied()
                    .enumerate()
                    .filter(|(_, source)| touches(source)),
                &mut source_used,
                |source| group.gap_to(source),
            ),
        };
        let content: Vec<TextSpan> = bridged(&group.ranges, &cues, &sources, sentences)
            .into_iter()
            .map(|(start, end)| TextSpan::cut(&index, start, end))
            .collect();
        if cue.is_none() && source.is_none() {
            if let Some((previous, previous_last)) = relations.last_mut() {
                if group.first_sentence <= *previous_last + 1 {
                    previous.content.extend(content);
                    previous.end = previous
                        .end
                        .max(group.ranges.iter().map(|r| r.end).max().unwrap_or(0));
                    *previous_last = (*previous_last).max(group.last_sentence);
                    continue;
                }
            }
        }
        let mut parts: Vec<&RoleSpan> = group.ranges.clone();
        parts.extend(cue);
        parts.extend(source);
        let start = parts.iter().map(|span| span.start).min().unwrap_or(0);
        let end = parts.iter().map(|span| span.end).max().unwrap_or(0);
        let score = parts.iter().map(|span| span.score).sum::<f32>() / parts.len() as f32;
        relations.push((
            Relation {
                start,
                end,
                source: source.map(|span| TextSpan::cut(&index, span.start, span.end)),
                cue: cue.map(|span| TextSpan::cut(&index, span.start, span.end)),
                content,
                score,
            },
            group.last_sentence,
        ));
    }
    relations
        .into_iter()
        .map(|(relation, _)| relation)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::sentences::split_sentences;

    /// A role span over the `nth` occurrence of `needle` in `text`.
    fn span(text: &str, needle: &str, nth: usize, role: Role, continued: bool) -> RoleSpan {
        let byte = text
            .match_indices(needle)
            .nth(nth)
            .map(|(byte, _)| byte)
            .expect("needle in text");
        let start = text[..byte].chars().count();
        RoleSpan {
            role,
            start,
            end: start + needle.chars().count(),
            score: 0.9,
            continued,
        }
    }

    fn summary(
        text: &str,
        roles: &[RoleSpan],
    ) -> Vec<(Option<String>, Option<String>, Vec<String>)> {
        assemble_relations(text, roles, &split_sentences(text))
            .into_iter()
            .map(|relation| {
                (
                    relation.source.map(|s| s.text),
                    relation.cue.map(|s| s.text),
                    relation.content.into_iter().map(|s| s.text).collect(),
                )
            })
            .collect()
    }

    fn owned(
        source: &str,
        cue: &str,
        content: &[&str],
    ) -> (Option<String>, Option<String>, Vec<String>) {
        (
            (!source.is_empty()).then(|| source.to_owned()),
            (!cue.is_empty()).then(|| cue.to_owned()),
            content.iter().map(|part| part.to_string()).collect(),
        )
    }

    #[test]
    fn content_after_and_before_its_source() {
        let text = "Vance said the US may send troops. Sanctions will stay, she said.";
        let roles = [
            span(text, "Vance", 0, Role::Source, false),
            span(text, "said", 0, Role::Cue, false),
            span(text, "the US may send troops", 0, Role::Content, false),
            span(text, "Sanctions will stay", 0, Role::Content, false),
            span(text, "she", 0, Role::Source, false),
            span(text, "said", 1, Role::Cue, false),
        ];
        assert_eq!(
            summary(text, &roles),
            [
                owned("Vance", "said", &["the US may send troops"]),
                owned("she", "said", &["Sanctions will stay"]),
            ]
        );
    }

    #[test]
    fn according_to_and_a_quote_over_two_sentences() {
        let text = "According to officials, talks start now. “We agree. We will sign,” Macron told reporters, “soon.”";
        let roles = [
            span(text, "According to", 0, Role::Cue, false),
            span(text, "officials", 0, Role::Source, false),
            span(text, "talks start now.", 0, Role::Content, false),
            span(text, "We agree. We will sign", 0, Role::Content, false),
            span(text, "Macron", 0, Role::Source, false),
            span(text, "told", 0, Role::Cue, false),
            span(text, "soon.", 0, Role::Content, true),
        ];
        assert_eq!(
            summary(text, &roles),
            [
                owned("officials", "According to", &["talks start now."]),
                owned("Macron", "told", &["We agree. We will sign", "soon."]),
            ]
        );
    }

    #[test]
    fn gaps_the_tagger_left_inside_a_content_are_filled_within_a_sentence() {
        let text = "Trump said that talks would start after a phone conversation with the Russian leader. \
Then peace comes.";
        let roles = [
            span(text, "Trump", 0, Role::Source, false),
            span(text, "said", 0, Role::Cue, false),
            span(text, "that talks would start", 0, Role::Content, false),
            span(text, "conversation", 0, Role::Content, true),
            span(text, "Russian", 0, Role::Content, true),
            span(text, "Then peace comes.", 0, Role::Content, true),
        ];
        assert_eq!(
            summary(text, &roles),
            [owned(
                "Trump",
                "said",
                &[
                    "that talks would start after a phone conversation with the Russian",
                    "Then peace comes."
                ]
            )]
        );
    }

    #[test]
    fn a_view_going_on_without_a_cue_continues_the_relation() {
        let text = "Macron said peace must not be a capitulation. Any such deal would harm all. The talks went on.";
        let roles = [
            span(text, "Macron", 0, Role::Source, false),
            span(text, "said", 0, Role::Cue, false),
            span(
                text,
                "peace must not be a capitulation.",
                0,
                Role::Content,
                false,
            ),
            span(
                text,
                "Any such deal would harm all.",
                0,
                Role::Content,
                false,
            ),
        ];
        let relations = assemble_relations(text, &roles, &split_sentences(text));
        assert_eq!(relations.len(), 1);
        assert_eq!(relations[0].content.len(), 2);
        assert_eq!(
            (relations[0].start, relations[0].end),
            (
                0,
                "Macron said peace must not be a capitulation. Any such deal would harm all.".len()
            )
        );
        // Two sentences later, a lone content stands alone, without source.
        let text = "Macron said peace matters. The talks went on. Any deal would harm all.";
        let roles = [
            span(text, "Macron", 0, Role::Source, false),
            span(text, "said", 0, Role::Cue, false),
            span(text, "peace matters.", 0, Role::Content, false),
            span(text, "Any deal would harm all.", 0, Role::Content, false),
        ];
        assert_eq!(
            summary(text, &roles),
            [
                owned("Macron", "said", &["peace matters."]),
                owned("", "", &["Any deal would harm all."]),
            ]
        );
    }

    #[test]
    fn two_reports_in_one_sentence_take_their_own_cues() {
        let text = "Vance said talks will start, while Macron warned that Europe must be present.";
        let roles = [
            span(text, "Vance", 0, Role::Source, false),
            span(text, "said", 0, Role::Cue, false),
            span(text, "talks will start", 0, Role::Content, false),
            span(text, "Macron", 0, Role::Source, false),
            span(text, "warned", 0, Role::Cue, false),
            span(text, "Europe must be present.", 0, Role::Content, false),
        ];
        assert_eq!(
            summary(text, &roles),
            [
                owned("Vance", "said", &["talks will start"]),
                owned("Macron", "warned", &["Europe must be present."]),
            ]
        );
    }
}
