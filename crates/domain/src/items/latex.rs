//! Finding LaTeX that KaTeX will not render: unbalanced math delimiters, braces, `\left`/`\right` and
//! environments.
//!
//! Imported banks are full of slightly broken LaTeX (OCR'd exam papers), and authors make typos. A
//! broken formula is not a reason to refuse an item, so these are *warnings*, shown to the author
//! with where they are, never errors.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How many characters an excerpt shows before the problem's position.
const EXCERPT_BEFORE: usize = 10;
/// How many characters an excerpt shows from the problem's position on.
const EXCERPT_AFTER: usize = 20;

/// What is wrong with a piece of LaTeX.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LatexProblem {
    /// A math delimiter (`$`, `$$`, `\(`, `\[`) that is never closed.
    UnclosedMath { opener: String },
    /// A closing delimiter (`\)`, `\]`) with no math open.
    UnopenedMath { closer: String },
    /// A lone `$` inside `$$ … $$` math, which TeX reads as leaving display math.
    StrayDollar,
    /// A `{` inside math that is never closed.
    UnclosedBrace,
    /// A `}` inside math with no `{` open.
    UnopenedBrace,
    /// A `\left` with no `\right` in the same formula.
    LeftWithoutRight,
    /// A `\right` with no `\left` before it in the same formula.
    RightWithoutLeft,
    /// `\begin{name}` with no matching `\end{name}`.
    UnclosedEnvironment { name: String },
    /// `\end{name}` with no matching `\begin{name}`.
    UnopenedEnvironment { name: String },
}

impl fmt::Display for LatexProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LatexProblem::UnclosedMath { opener } => write!(f, "math opened with `{opener}` is never closed"),
            LatexProblem::UnopenedMath { closer } => write!(f, "`{closer}` closes math that was never opened"),
            LatexProblem::StrayDollar => f.write_str("a single `$` inside `$$ … $$` math"),
            LatexProblem::UnclosedBrace => f.write_str("`{` is never closed in this formula"),
            LatexProblem::UnopenedBrace => f.write_str("`}` has no matching `{` in this formula"),
            LatexProblem::LeftWithoutRight => f.write_str("`\\left` has no matching `\\right`"),
            LatexProblem::RightWithoutLeft => f.write_str("`\\right` has no matching `\\left`"),
            LatexProblem::UnclosedEnvironment { name } => write!(f, "`\\begin{{{name}}}` has no `\\end{{{name}}}`"),
            LatexProblem::UnopenedEnvironment { name } => write!(f, "`\\end{{{name}}}` has no `\\begin{{{name}}}`"),
        }
    }
}

/// One problem found in a text, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatexWarning {
    pub problem: LatexProblem,
    /// Where the problem is, in characters (not bytes) from the start of the text.
    pub offset: usize,
    /// A short piece of the text around `offset`, on one line, so the author can find it.
    pub excerpt: String,
}

impl fmt::Display for LatexWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {}: “{}”)", self.problem, self.offset, self.excerpt)
    }
}

/// The kind of math delimiter a formula was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delimiter {
    Dollar,
    DoubleDollar,
    Paren,
    Bracket,
}

impl Delimiter {
    fn opener(self) -> &'static str {
        match self {
            Delimiter::Dollar => "$",
            Delimiter::DoubleDollar => "$$",
            Delimiter::Paren => "\\(",
            Delimiter::Bracket => "\\[",
        }
    }
}

/// The formula being read: its delimiter and the braces and `\left`s open in it.
#[derive(Debug)]
struct Formula {
    delimiter: Delimiter,
    start: usize,
    braces: Vec<usize>,
    lefts: Vec<usize>,
}

/// Lists the LaTeX problems in a text written in our restricted markup (plain text with `$…$`,
/// `$$…$$`, `\(…\)` and `\[…\]` math). An empty list means KaTeX will at least find every formula
/// whole. Environments (`\begin{…}`) are checked inside and outside math, since imported tables
/// (`tabular`) stand outside it.
pub fn latex_warnings(text: &str) -> Vec<LatexWarning> {
    let chars: Vec<char> = text.chars().collect();
    let mut warnings = Vec::new();
    let mut warn = |problem: LatexProblem, offset: usize| {
        warnings.push(LatexWarning { problem, offset, excerpt: excerpt(&chars, offset) });
    };
    let mut formula: Option<Formula> = None;
    let mut environments: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '$' {
            let double = chars.get(i + 1) == Some(&'$');
            match formula.take() {
                None => {
                    let delimiter = if double { Delimiter::DoubleDollar } else { Delimiter::Dollar };
                    formula = Some(Formula { delimiter, start: i, braces: Vec::new(), lefts: Vec::new() });
                }
                Some(f) if f.delimiter == Delimiter::Dollar => {
                    // `$a$$b$` is two formulas side by side: the first `$` closes, the next opens.
                    close_formula(f, &mut warn);
                    i += 1;
                    continue;
                }
                Some(f) if f.delimiter == Delimiter::DoubleDollar => {
                    if double {
                        close_formula(f, &mut warn);
                    } else {
                        warn(LatexProblem::StrayDollar, i);
                        formula = Some(f);
                        i += 1;
                        continue;
                    }
                }
                // A `$` inside `\( … \)` is an ordinary character to KaTeX's auto-render.
                Some(f) => formula = Some(f),
            }
            i += if double { 2 } else { 1 };
            continue;
        }
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else { break };
            if next.is_ascii_alphabetic() {
                let end = (i + 1..chars.len()).find(|&j| !chars[j].is_ascii_alphabetic()).unwrap_or(chars.len());
                let name: String = chars[i + 1..end].iter().collect();
                let mut after = end;
                match name.as_str() {
                    "left" | "right" => {
                        if let Some(f) = formula.as_mut() {
                            if name == "left" {
                                f.lefts.push(i);
                            } else if f.lefts.pop().is_none() {
                                warn(LatexProblem::RightWithoutLeft, i);
                            }
                            // The delimiter after `\left`/`\right` (`(`, `\{`, `.`) is not a brace.
                            after = skip_delimiter(&chars, end);
                        }
                    }
                    "begin" | "end" => {
                        if let Some((env, env_end)) = braced_word(&chars, end) {
                            after = env_end;
                            if name == "begin" {
                                environments.push((env, i));
                            } else {
                                end_environment(&mut environments, env, i, &mut warn);
                            }
                        }
                    }
                    _ => {}
                }
                i = after;
                continue;
            }
            match (next, formula.as_ref().map(|f| f.delimiter)) {
                ('(', None) | ('[', None) => {
                    let delimiter = if next == '(' { Delimiter::Paren } else { Delimiter::Bracket };
                    formula = Some(Formula { delimiter, start: i, braces: Vec::new(), lefts: Vec::new() });
                }
                (')', Some(Delimiter::Paren)) | (']', Some(Delimiter::Bracket)) => {
                    if let Some(f) = formula.take() {
                        close_formula(f, &mut warn);
                    }
                }
                (')', None) | (']', None) => {
                    warn(LatexProblem::UnopenedMath { closer: format!("\\{next}") }, i);
                }
                // `\{`, `\}`, `\$`, `\\`, `\,` …: a control symbol, never a delimiter.
                _ => {}
            }
            i += 2;
            continue;
        }
        if let Some(f) = formula.as_mut() {
            match c {
                '{' => f.braces.push(i),
                '}' if f.braces.pop().is_none() => warn(LatexProblem::UnopenedBrace, i),
                _ => {}
            }
        }
        i += 1;
    }
    if let Some(f) = formula {
        // Braces inside a formula that never ends are not worth reporting: the whole rest of the
        // text was read as math.
        warn(LatexProblem::UnclosedMath { opener: f.delimiter.opener().to_owned() }, f.start);
    }
    for (name, at) in environments {
        warn(LatexProblem::UnclosedEnvironment { name }, at);
    }
    warnings.sort_by_key(|w| w.offset);
    warnings
}

/// Reports what a formula left open when it closes.
fn close_formula(formula: Formula, warn: &mut impl FnMut(LatexProblem, usize)) {
    for at in formula.braces {
        warn(LatexProblem::UnclosedBrace, at);
    }
    for at in formula.lefts {
        warn(LatexProblem::LeftWithoutRight, at);
    }
}

/// Closes the innermost environment named `name`; environments opened after it are reported as
/// unclosed, and an `\end` with no `\begin` as unopened.
fn end_environment(
    open: &mut Vec<(String, usize)>,
    name: String,
    at: usize,
    warn: &mut impl FnMut(LatexProblem, usize),
) {
    match open.iter().rposition(|(n, _)| *n == name) {
        Some(pos) => {
            for (inner, inner_at) in open.drain(pos..).skip(1) {
                warn(LatexProblem::UnclosedEnvironment { name: inner }, inner_at);
            }
        }
        None => warn(LatexProblem::UnopenedEnvironment { name }, at),
    }
}

/// Skips spaces and the one delimiter after `\left`/`\right`: a character, or a control word or
/// symbol such as `\{` or `\langle`.
fn skip_delimiter(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    match chars.get(i) {
        Some('\\') if chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) => {
            (i + 1..chars.len()).find(|&j| !chars[j].is_ascii_alphabetic()).unwrap_or(chars.len())
        }
        Some('\\') => (i + 2).min(chars.len()),
        // `\left{` is not valid TeX, but its `{` must not count as a group either way.
        Some(_) => i + 1,
        None => i,
    }
}

/// Reads `{word}` (after optional spaces) at `i`, returning the word and the index after `}`.
fn braced_word(chars: &[char], mut i: usize) -> Option<(String, usize)> {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    if chars.get(i) != Some(&'{') {
        return None;
    }
    let close = (i + 1..chars.len()).find(|&j| chars[j] == '}')?;
    let word: String = chars[i + 1..close].iter().collect();
    let word = word.trim();
    (!word.is_empty() && word.len() <= 32).then(|| (word.to_owned(), close + 1))
}

/// A short one-line piece of the text around `offset`.
fn excerpt(chars: &[char], offset: usize) -> String {
    let start = offset.saturating_sub(EXCERPT_BEFORE);
    let end = (offset + EXCERPT_AFTER).min(chars.len());
    chars[start..end].iter().map(|&c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(LatexProblem, usize)> {
        latex_warnings(text).into_iter().map(|w| (w.problem, w.offset)).collect()
    }

    #[test]
    fn balanced_math_has_no_warnings() {
        for text in [
            "已知 $x^{2}+y^{2}=2$，求 $$\\frac{1}{2}$$ 的值",
            "集合 $A=\\{x \\mid x>1\\}$",
            "$\\left(\\frac{a}{b}\\right)^{2}$ 与 \\(a\\) 和 \\[b\\]",
            "$\\left\\{\\begin{array}{l} x=1 \\\\ y=2 \\end{array}\\right.$",
            "价格是 \\$5，$a$$b$ 两个公式",
            "\\begin{tabular}{|c|c|} 1 & 2 \\end{tabular}",
            "$\\left[0,1\\right)$ 和 $\\left\\langle a \\right\\rangle$",
            "没有公式的中文题目。",
        ] {
            assert_eq!(problems(text), vec![], "{text}");
        }
    }

    #[test]
    fn finds_each_kind_of_problem_where_it_is() {
        assert_eq!(problems("设 $x+1 等于 2"), vec![(LatexProblem::UnclosedMath { opener: "$".into() }, 2)]);
        assert_eq!(
            problems("ab $$x$ c"),
            vec![(LatexProblem::UnclosedMath { opener: "$$".into() }, 3), (LatexProblem::StrayDollar, 6)]
        );
        assert_eq!(problems("a \\(x"), vec![(LatexProblem::UnclosedMath { opener: "\\(".into() }, 2)]);
        assert_eq!(problems("a x\\]"), vec![(LatexProblem::UnopenedMath { closer: "\\]".into() }, 3)]);
        assert_eq!(problems("$\\frac{1}{2$"), vec![(LatexProblem::UnclosedBrace, 9)]);
        assert_eq!(problems("$x}$"), vec![(LatexProblem::UnopenedBrace, 2)]);
        assert_eq!(problems("$\\left( x$"), vec![(LatexProblem::LeftWithoutRight, 1)]);
        assert_eq!(problems("$x \\right)$"), vec![(LatexProblem::RightWithoutLeft, 3)]);
        assert_eq!(
            problems("$\\begin{cases} x$"),
            vec![(LatexProblem::UnclosedEnvironment { name: "cases".into() }, 1)]
        );
        assert_eq!(
            problems("$x \\end{matrix}$"),
            vec![(LatexProblem::UnopenedEnvironment { name: "matrix".into() }, 3)]
        );
    }

    #[test]
    fn braces_are_only_checked_inside_math() {
        // Outside math a `{` is an ordinary character, e.g. in a set written without LaTeX.
        assert_eq!(problems("集合{1,2,3"), vec![]);
    }

    #[test]
    fn warnings_carry_a_one_line_excerpt_in_characters() {
        let text = "第一行\n已知函数 $f(x)=\\sqrt{x 的定义域";
        let warnings = latex_warnings(text);
        assert_eq!(warnings.len(), 1);
        let w = &warnings[0];
        assert_eq!(w.offset, 9);
        assert!(w.excerpt.starts_with("第一行 已知函数 $f(x)"), "{}", w.excerpt);
        assert!(!w.excerpt.contains('\n'));
        assert_eq!(w.to_string(), format!("math opened with `$` is never closed (at character 9: “{}”)", w.excerpt));
    }
}
