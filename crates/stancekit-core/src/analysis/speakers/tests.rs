//! The speaker resolution on hand-made relations.

use super::resolve_speakers;
use crate::analysis::document::AUTHOR;
use crate::analysis::fixtures::{entity, relation};
use crate::analysis::mentions::group_mentions;
use crate::text::sentences::split_sentences;

#[test]
fn sources_resolve_to_entities_pronouns_titles_and_groups() {
    let text = "Defense Secretary Pete Hegseth said troops stay home. \
European leaders were rushing to clarify their plans. They emphasized that Ukraine must be at the table. \
“Talks are near,” French President Emmanuel Macron told reporters, “very near.” \
Any capitulation would harm all, he added. The defense secretary warned allies. \
Peace matters, according to the European leaders. The weather was fine.";
    let entities = vec![
        entity("Pete Hegseth", text, "PER", 0),
        entity("European", text, "MISC", 0),
        entity("Ukraine", text, "LOC", 0),
        entity("French", text, "MISC", 0),
        entity("Emmanuel Macron", text, "PER", 0),
        entity("European", text, "MISC", 1),
    ];
    let groups = group_mentions(text, &entities);
    let relations = vec![
        relation(
            text,
            ("Pete Hegseth", 0),
            ("said", 0),
            &[("troops stay home.", 0)],
        ),
        relation(
            text,
            ("European leaders", 0),
            ("rushing to clarify", 0),
            &[("their plans.", 0)],
        ),
        relation(
            text,
            ("They", 0),
            ("emphasized", 0),
            &[("Ukraine must be at the table.", 0)],
        ),
        relation(
            text,
            ("French President Emmanuel Macron", 0),
            ("told", 0),
            &[("Talks are near", 0), ("very near.", 0)],
        ),
        relation(
            text,
            ("he", 0),
            ("added", 0),
            &[("Any capitulation would harm all", 0)],
        ),
        relation(
            text,
            ("The defense secretary", 0),
            ("warned", 0),
            &[("allies.", 0)],
        ),
        relation(
            text,
            ("the European leaders", 0),
            ("according to", 0),
            &[("Peace matters", 0)],
        ),
    ];
    let sentences = split_sentences(text);
    let attributions = resolve_speakers(&relations, &groups, &sentences);
    let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
    assert_eq!(
        speakers,
        [
            "Pete Hegseth",
            "European leaders",
            "European leaders",
            "Emmanuel Macron",
            "Emmanuel Macron",
            "Pete Hegseth",
            "European leaders",
            "author",
        ]
    );
    assert_eq!(attributions[3].content.len(), 2);
    assert!(attributions[2].confidence < attributions[1].confidence);
    assert_eq!(attributions[7].content[0].text, "The weather was fine.");
    assert!(attributions[7].source.is_none() && attributions[7].cue.is_none());
}

#[test]
fn relative_pronouns_and_titles_taken_for_names() {
    let text = "Vice President JD Vance said talks start. Remarks by Donald Trump, who implied a deal, differ.";
    let entities = vec![
        entity("Vice", text, "PER", 0),
        entity("JD Vance", text, "PER", 0),
        entity("Donald Trump", text, "PER", 0),
    ];
    let groups = group_mentions(text, &entities);
    // "Vice", tagged as a person inside JD Vance's title, is part of the title, not a person mentioned.
    let names: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
    assert_eq!(names, ["JD Vance", "Donald Trump"]);
    assert_eq!(groups[0].roles, ["Vice President"]);
    // Only persons are taken into titles: an organisation in one stays an entity.
    let nato = "NATO Secretary General Mark Rutte said more.";
    let nato_groups = group_mentions(
        nato,
        &[
            entity("NATO", nato, "ORG", 0),
            entity("Mark Rutte", nato, "PER", 0),
        ],
    );
    let names: Vec<&str> = nato_groups
        .iter()
        .map(|group| group.name.as_str())
        .collect();
    assert_eq!(names, ["NATO", "Mark Rutte"]);
    assert_eq!(nato_groups[1].roles, ["NATO Secretary General"]);
    let relations = vec![
        relation(
            text,
            ("Vice President JD Vance", 0),
            ("said", 0),
            &[("talks start.", 0)],
        ),
        relation(text, ("who", 0), ("implied", 0), &[("a deal", 0)]),
    ];
    let attributions = resolve_speakers(&relations, &groups, &split_sentences(text));
    let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
    assert_eq!(speakers, ["JD Vance", "Donald Trump"]);
    // Without sentences (no text), nothing panics.
    assert_eq!(resolve_speakers(&relations, &groups, &[]).len(), 2);
    // A surname the entity model missed at the source still names the person.
    let text = "Donald Trump spoke. Later, Trump said talks start.";
    let groups = group_mentions(text, &[entity("Donald Trump", text, "PER", 0)]);
    let relations = vec![relation(
        text,
        ("Trump", 1),
        ("said", 0),
        &[("talks start.", 0)],
    )];
    let attributions = resolve_speakers(&relations, &groups, &split_sentences(text));
    assert_eq!(attributions[1].speaker, "Donald Trump");
}

#[test]
fn pronouns_without_antecedent_and_contents_without_source() {
    let text = "They said it rains. Nobody knows why. A cold front, it seems.";
    let relations = vec![
        relation(text, ("They", 0), ("said", 0), &[("it rains.", 0)]),
        relation(text, ("", 0), ("", 0), &[("Nobody knows why.", 0)]),
        relation(text, ("", 0), ("", 0), &[("A cold front, it seems.", 0)]),
    ];
    let sentences = split_sentences(text);
    let attributions = resolve_speakers(&relations, &[], &sentences);
    let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
    // A pronoun with no antecedent names nobody: not a speaker called "They" but the author, with low
    // confidence; nothing continues it.
    assert_eq!(speakers, ["author", "author", "author"]);
    assert!(attributions[0].confidence < 0.5);
    let relations = vec![relation(
        text,
        ("", 0),
        ("", 0),
        &[("A cold front, it seems.", 0)],
    )];
    let attributions = resolve_speakers(&relations, &[], &sentences);
    let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
    assert_eq!(speakers, ["author", "author", "author"]);
    // A content with a cue of its own but no source is not a view going on: its source was missed.
    let text = "Hegseth said troops stay. This contradicts Vance's declaration.";
    let relations = vec![
        relation(text, ("Hegseth", 0), ("said", 0), &[("troops stay.", 0)]),
        relation(
            text,
            ("", 0),
            ("contradicts", 0),
            &[("Vance's declaration", 0)],
        ),
    ];
    let attributions = resolve_speakers(&relations, &[], &split_sentences(text));
    let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
    assert_eq!(speakers, ["Hegseth", "author"]);
}

/// Each kind of source the speaker rules handle, on hand-made sentences: a document, a relative pronoun, an
/// adjective or a fragment is nobody; an organisation the entity model missed speaks; a name that qualifies a noun
/// does not; two persons joined speak as a group; "I" is the writer; an honorific surname is the person.
#[test]
fn sources_that_name_nobody_and_names_that_qualify_are_no_speakers() {
    let text = "A memo said the plan failed. The agency, which said costs rose, waited. \
Kremlin-backed media said nothing. Several later said the same. The Navy said ships sailed. \
The Trump campaign said polls moved. Mr. Grassley and Mr. Leahy said the bill stalls. \
I think the talks matter. Donald Trump spoke. Mr. Trump said taxes fall. The Pentagon's report said troops stay.";
    let entities = vec![
        entity("Trump", text, "PER", 0),
        entity("Grassley", text, "PER", 0),
        entity("Leahy", text, "PER", 0),
        entity("Donald Trump", text, "PER", 0),
        entity("Mr. Trump", text, "PER", 0),
        entity("Pentagon", text, "ORG", 0),
    ];
    let groups = group_mentions(text, &entities);
    let relations = vec![
        relation(text, ("A memo", 0), ("said", 0), &[("the plan failed.", 0)]),
        relation(text, ("which", 0), ("said", 1), &[("costs rose", 0)]),
        relation(text, ("Kremlin-backed", 0), ("said", 2), &[("nothing.", 0)]),
        relation(text, ("Several later", 0), ("said", 3), &[("the same.", 0)]),
        relation(text, ("The Navy", 0), ("said", 4), &[("ships sailed.", 0)]),
        relation(
            text,
            ("The Trump campaign", 0),
            ("said", 5),
            &[("polls moved.", 0)],
        ),
        relation(
            text,
            ("Mr. Grassley and Mr. Leahy", 0),
            ("said", 6),
            &[("the bill stalls.", 0)],
        ),
        relation(text, ("I", 0), ("think", 0), &[("the talks matter.", 0)]),
        relation(text, ("Mr. Trump", 0), ("said", 7), &[("taxes fall.", 0)]),
        relation(
            text,
            ("The Pentagon's report", 0),
            ("said", 8),
            &[("troops stay.", 0)],
        ),
    ];
    let attributions = resolve_speakers(&relations, &groups, &split_sentences(text));
    let speakers: Vec<&str> = attributions
        .iter()
        .filter(|attribution| attribution.source.is_some())
        .map(|attribution| attribution.speaker.as_str())
        .collect();
    assert_eq!(
        speakers,
        [
            AUTHOR,
            AUTHOR,
            AUTHOR,
            AUTHOR,
            "Navy",
            "Trump campaign",
            "Mr. Grassley and Mr. Leahy",
            AUTHOR,
            "Donald Trump",
            "Pentagon"
        ]
    );
}

#[test]
fn a_group_written_several_ways_is_one_speaker() {
    let text =
        "Many are worried. Many people in Europe said talks fail. Later many in Europe said more. \
Many warned again.";
    let relations = vec![
        relation(
            text,
            ("Many people in Europe", 0),
            ("said", 0),
            &[("talks fail.", 0)],
        ),
        relation(text, ("many in Europe", 0), ("said", 1), &[("more.", 0)]),
        relation(text, ("Many", 2), ("warned", 0), &[("again.", 0)]),
    ];
    let attributions = resolve_speakers(&relations, &[], &split_sentences(text));
    let speakers: Vec<&str> = attributions
        .iter()
        .filter(|attribution| attribution.source.is_some())
        .map(|attribution| attribution.speaker.as_str())
        .collect();
    assert_eq!(speakers, ["Many people in Europe"; 3]);
}

#[test]
fn a_name_in_an_apposition_does_not_take_the_head_s_place() {
    let text = "Dmitry Peskov, a spokesman for Vladimir Putin, said talks stall.";
    let groups = group_mentions(
        text,
        &[
            entity("Dmitry Peskov", text, "PER", 0),
            entity("Vladimir Putin", text, "PER", 0),
        ],
    );
    let relations = vec![relation(
        text,
        ("Dmitry Peskov, a spokesman for Vladimir Putin", 0),
        ("said", 0),
        &[("talks stall.", 0)],
    )];
    let attributions = resolve_speakers(&relations, &groups, &split_sentences(text));
    assert_eq!(attributions[0].speaker, "Dmitry Peskov");
}
