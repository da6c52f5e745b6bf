//! Views of results for people: the HTML page of an analysis (entities, who said what, the speaker × target
//! table with its evidence).

pub mod html;
