//! Text normalisation for duplicate detection and search: two copies of one question that differ only
//! in how they were typed normalise to the same string.

use unicode_normalization::UnicodeNormalization;

/// LaTeX commands that only add space (`\quad`, `\qquad`); dropped like whitespace.
const SPACING_COMMANDS: &[&str] = &["quad", "qquad", "enspace", "thinspace", "medspace", "thickspace"];

/// Normalises an item's text for duplicate detection and search. Each step removes one way two
/// copies of the same question differ in practice:
///
/// 1. **NFKC.** Full-width digits and letters (`１２３`, `ＡＢ`), full-width punctuation (`，` `（`),
///    circled numbers (`①`) and the Kangxi-radical look-alikes that PDF extraction leaves behind
///    (`⼀` for `一`, see the CMMLU README) become their ordinary forms.
/// 2. **Lowercase.** `A∩B` and `a∩b`, `True` and `true` are typed either way.
/// 3. **Leading question number.** `1.`, `12、`, `（5 分）`, `(3)` depend on the paper a question
///    was printed in, not on the question ([`strip_question_number`]).
/// 4. **LaTeX spacing and delimiters.** `\quad`, `\,`, `\;`, `\:`, `\!`, `\\` only move ink; `$`,
///    `\(`, `\)`, `\[`, `\]` only say "this is math", and sources disagree on which parts of a
///    sentence they wrap (`$x=1$` vs `x=$1$`). Other commands (`\frac`, `\sqrt`) carry meaning and stay.
/// 5. **Whitespace and punctuation.** Spacing is arbitrary in OCR'd and hand-typed text, and commas,
///    full stops, quotes and book-title marks are typed in ASCII or CJK form at random. `.` and `:`
///    between two digits stay (`3.5` ≠ `35`, `1:15` is a ratio), as do brackets and operators, which
///    change a formula's meaning. Runs of underscores (blanks to fill, `____`) are dropped too.
pub fn normalize_text(text: &str) -> String {
    let folded: String = text.nfkc().collect::<String>().to_lowercase();
    let chars: Vec<char> = strip_question_number(&folded).chars().collect();
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else { break };
                if next.is_ascii_alphabetic() {
                    let end = (i + 1..chars.len()).find(|&j| !chars[j].is_ascii_alphabetic()).unwrap_or(chars.len());
                    let name: String = chars[i + 1..end].iter().collect();
                    if !SPACING_COMMANDS.contains(&name.as_str()) {
                        out.push('\\');
                        out.push_str(&name);
                    }
                    i = end;
                    continue;
                }
                if !matches!(next, ',' | ';' | ':' | '!' | ' ' | '\\' | '(' | ')' | '[' | ']') {
                    out.push('\\');
                    out.push(next);
                }
                i += 2;
                continue;
            }
            '$' | '~' => {}
            '_' if chars.get(i + 1) == Some(&'_') || (i > 0 && chars[i - 1] == '_') => {}
            '.' | ':' if between_digits(&chars, i) => out.push(c),
            c if c.is_whitespace() || is_punctuation(c) => {}
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Removes leading question numbers and score marks: `1.`, `1．`, `12、`, `3:`, `（5 分）`,
/// `(5分)`, `(3)`, `（ 6分）`, in any combination and with spaces around them, so that
/// `"1. （5 分) 已知…"` becomes `"已知…"`. Works on raw text (ASCII or full-width forms) and on
/// normalised text. A number followed by a digit (`3.14 是…`) is a value, not a question number, and
/// stays.
pub fn strip_question_number(text: &str) -> &str {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        let next = strip_number_then_mark(trimmed).or_else(|| strip_parenthesised_number(trimmed));
        match next {
            Some(after) => rest = after,
            None => return trimmed,
        }
    }
}

/// `12.` / `12、` / `12：` (not followed by a digit) at the start.
fn strip_number_then_mark(text: &str) -> Option<&str> {
    let digits = text.find(|c: char| !is_digit(c)).unwrap_or(text.len());
    if digits == 0 {
        return None;
    }
    let after_digits = &text[digits..];
    let mark = after_digits.chars().next().filter(|c| matches!(c, '.' | '．' | '、' | ':' | '：'))?;
    let after = &after_digits[mark.len_utf8()..];
    (!after.starts_with(is_digit)).then_some(after)
}

/// `(5 分)` / `（ 6分）` / `(3)` at the start, with either kind of bracket on either side.
fn strip_parenthesised_number(text: &str) -> Option<&str> {
    let open = text.chars().next().filter(|c| matches!(c, '(' | '（'))?;
    let inner = text[open.len_utf8()..].trim_start();
    let digits = inner.find(|c: char| !is_digit(c)).unwrap_or(inner.len());
    if digits == 0 {
        return None;
    }
    let mut inner = inner[digits..].trim_start();
    inner = inner.strip_prefix('分').unwrap_or(inner).trim_start();
    let close = inner.chars().next().filter(|c| matches!(c, ')' | '）'))?;
    Some(&inner[close.len_utf8()..])
}

/// Replaces CJK compatibility look-alikes with the ordinary ideograph: Kangxi radicals (`⼀` U+2F00
/// for `一`) and CJK compatibility ideographs, which text extracted from PDFs is full of (548 CMMLU
/// questions). Unlike full NFKC this keeps full-width punctuation (`，` `（`) and circled numbers
/// (`①`), which Chinese text uses on purpose, so it is safe for text that is shown to people.
pub fn fold_cjk_compatibility(text: &str) -> std::borrow::Cow<'_, str> {
    let is_look_alike =
        |c: char| matches!(c, '\u{2F00}'..='\u{2FDF}' | '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}');
    if !text.contains(is_look_alike) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_look_alike(c) {
            out.extend(std::iter::once(c).nfkc());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn between_digits(chars: &[char], i: usize) -> bool {
    i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())
}

/// Sentence punctuation in ASCII and CJK forms (after NFKC, so full-width forms are already ASCII).
/// Brackets, operators and `-` are not here: they are part of formulas.
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '"'
            | '\''
            | '`'
            | '。'
            | '、'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '「'
            | '」'
            | '『'
            | '』'
            | '【'
            | '】'
            | '〔'
            | '〕'
            | '〖'
            | '〗'
            | '—'
            | '–'
            | '―'
            | '·'
            | '•'
            | '・'
            | '〃'
            | '﹏'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_typed_differently_normalise_the_same() {
        let a = normalize_text("1. （5 分) 已知集合 $A=\\{1,2,3\\}$，则 $A \\cap B=(\\quad)$");
        let b = normalize_text("已知集合A=\\{１，２，３\\}, 则 A\\cap B = (  )");
        assert_eq!(a, b);
        assert_eq!(a, "已知集合a=\\{1,2,3\\}则a\\capb=()".replace(',', ""));
    }

    #[test]
    fn each_step_does_its_job() {
        // NFKC: full-width digits, Kangxi radicals.
        assert_eq!(normalize_text("１２３"), "123");
        assert_eq!(normalize_text("⼀个数"), "一个数");
        // Lowercase.
        assert_eq!(normalize_text("ABC"), "abc");
        // LaTeX spacing and delimiters go, meaningful commands stay.
        assert_eq!(normalize_text("$a\\,b\\;c\\quad d$ \\(\\frac{1}{2}\\)"), "abcd\\frac{1}{2}");
        // Punctuation in both scripts goes; decimals and ratios stay.
        assert_eq!(normalize_text("“你好”，《论语》。3.5 和 1：15, 1,000."), "你好论语3.5和1:151000");
        // Blanks to fill go; a subscript's underscore stays.
        assert_eq!(normalize_text("x_1 的值是____"), "x_1的值是");
    }

    #[test]
    fn folding_fixes_radicals_and_keeps_cjk_punctuation() {
        assert_eq!(fold_cjk_compatibility("⼀个⼤⽤，（①）"), "一个大用，（①）");
        assert!(matches!(fold_cjk_compatibility("没有问题"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn question_numbers_are_stripped_only_at_the_start() {
        assert_eq!(strip_question_number("1．（ 6分）下列"), "下列");
        assert_eq!(strip_question_number("  12、(3) 计算"), "计算");
        assert_eq!(strip_question_number("（5 分)已知"), "已知");
        assert_eq!(strip_question_number("3.14 是圆周率"), "3.14 是圆周率");
        assert_eq!(strip_question_number("(2010·全国) 题"), "(2010·全国) 题");
        assert_eq!(strip_question_number("计算 1. 的值"), "计算 1. 的值");
        assert_eq!(strip_question_number("１２．题"), "题");
    }
}
