//! Responses as short display strings, so a report can count and show the most common wrong
//! answers: two students who chose `A` and `C` in either order gave the same answer.

use crate::grading::{Response, normalize_blank};

/// Longest text shown for an open answer, in characters (including the ellipsis).
pub const MAX_RENDERED_CHARS: usize = 40;

/// A response as one short string: choices as their labels sorted and joined (`AC`), true/false
/// as `对`/`错`, blanks normalised as the grader compares them and joined with ` | `, free text
/// with its spacing collapsed and cut to [`MAX_RENDERED_CHARS`] characters.
pub fn render_response(response: &Response) -> String {
    match response {
        Response::Choices(entries) => {
            let mut labels: Vec<char> = entries
                .iter()
                .flat_map(|entry| normalize_blank(entry).chars().collect::<Vec<_>>())
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect();
            labels.sort_unstable();
            labels.dedup();
            labels.into_iter().collect()
        }
        Response::TrueFalse(true) => "对".to_owned(),
        Response::TrueFalse(false) => "错".to_owned(),
        Response::Blanks(blanks) => blanks.iter().map(|b| normalize_blank(b)).collect::<Vec<_>>().join(" | "),
        Response::Text(text) => truncate(&text.split_whitespace().collect::<Vec<_>>().join(" ")),
    }
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_RENDERED_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_RENDERED_CHARS - 1).collect();
    short.push('…');
    short
}
