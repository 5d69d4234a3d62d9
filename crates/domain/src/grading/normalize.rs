//! Normalisation of one blank's answer before comparing it with the key. Stricter than
//! [`crate::items::normalize_text`] (which is for search): it must never make two different answers
//! equal, so it keeps operators, brackets and the spaces inside a mixed number (`1 1/2`).

use unicode_normalization::UnicodeNormalization;

/// Normalises a fill-in-the-blank answer (a student's or one accepted by the key) so that answers
/// that differ only in how they were typed compare equal. In order:
///
/// 1. **Superscripts and squared units.** `x²` → `x^2`, `㎡` → `m^2`, because NFKC would turn
///    `x²` into `x2`, a different answer.
/// 2. **NFKC.** Full-width digits, letters and punctuation (`４５`, `ＡＢ`, `，`) become half-width;
///    `½` becomes `1/2`.
/// 3. **Sign and letter forms.** Minus and dash look-alikes (`−` `–` `—` `－`) become `-`;
///    `*` `✕` `\times` become `×`, `\div` stays `÷`, `⋅` `\cdot` become `·` (kept apart from `×`:
///    `a·b` and `a×b` are different vector products); `、` becomes `,`; Latin letters are
///    lower-cased; `\dfrac`/`\tfrac` become `\frac`; LaTeX spacing (`\,` `\quad` `\left`) goes.
/// 4. **Spaces.** Runs of whitespace collapse, and a space survives only between two Latin letters
///    or digits (`new york`, the mixed number `1 1/2`): `45 本`, `x = 3` and `3 + 4` lose theirs.
/// 5. **Ends.** Trailing `.` and `。` go, and so do `$…$`, `$$…$$`, `\(…\)`, `\[…\]` around the
///    whole answer.
///
/// The result is stable: normalising it again changes nothing.
pub fn normalize_blank(text: &str) -> String {
    let expanded = expand_superscripts(text);
    let mut folded = String::with_capacity(expanded.len());
    for c in expanded.nfkc() {
        push_unified(c, &mut folded);
    }
    let rewritten = rewrite_latex_commands(&folded);
    // Removing a space can put a combining mark (from NFKC of `¨`) after a letter: compose again.
    let spaced: String = tidy_spaces(&rewritten).nfkc().collect();
    strip_ends(&spaced).to_owned()
}

/// Superscript digits become `^` and a digit (one `^` per run: `¹²` → `^12`), subscripts `_` and a
/// digit; the squared and cubed unit ligatures are spelled out.
fn expand_superscripts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_script = None;
    for c in text.chars() {
        let ligature = match c {
            '㎡' => Some("m^2"),
            '㎠' => Some("cm^2"),
            '㎟' => Some("mm^2"),
            '㎢' => Some("km^2"),
            '㎥' => Some("m^3"),
            '㎤' => Some("cm^3"),
            '㎣' => Some("mm^3"),
            _ => None,
        };
        if let Some(spelled) = ligature {
            out.push_str(spelled);
            previous_script = None;
            continue;
        }
        let script = script_digit(c);
        match script {
            Some((marker, digit)) => {
                if previous_script != Some(marker) {
                    out.push(marker);
                }
                out.push(digit);
            }
            None => out.push(c),
        }
        previous_script = script.map(|(marker, _)| marker);
    }
    out
}

/// `'²'` → `('^', '2')`, `'₃'` → `('_', '3')`.
fn script_digit(c: char) -> Option<(char, char)> {
    let superscript = match c {
        '⁰' => Some('0'),
        '¹' => Some('1'),
        '²' => Some('2'),
        '³' => Some('3'),
        '⁴'..='⁹' => char::from_u32(u32::from(c) - u32::from('⁴') + u32::from('4')),
        '⁻' => Some('-'),
        _ => None,
    };
    if let Some(digit) = superscript {
        return Some(('^', digit));
    }
    match c {
        '₀'..='₉' => char::from_u32(u32::from(c) - u32::from('₀') + u32::from('0')).map(|d| ('_', d)),
        _ => None,
    }
}

fn push_unified(c: char, out: &mut String) {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => out.push('-'),
        '*' | '∗' | '✕' | '✖' | '⨯' => out.push('×'),
        '⋅' | '•' | '・' | '∙' => out.push('·'),
        '∕' | '⁄' => out.push('/'),
        '、' => out.push(','),
        c if is_latin(c) => out.extend(c.to_lowercase()),
        c => out.push(c),
    }
}

/// Latin letters (Basic Latin to Latin Extended-B, and Latin Extended Additional for pinyin).
fn is_latin(c: char) -> bool {
    c.is_alphabetic() && matches!(u32::from(c), 0..=0x024F | 0x1E00..=0x1EFF)
}

/// Rewrites the LaTeX commands that only change how an answer looks, keeps all others.
fn rewrite_latex_commands(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let Some(&next) = chars.get(i + 1).filter(|_| c == '\\') else {
            out.push(c);
            i += 1;
            continue;
        };
        if next.is_ascii_alphabetic() {
            let end = (i + 1..chars.len()).find(|&j| !chars[j].is_ascii_alphabetic()).unwrap_or(chars.len());
            let name: String = chars[i + 1..end].iter().collect();
            match name.as_str() {
                "quad" | "qquad" | "left" | "right" | "displaystyle" | "textstyle" => {}
                "dfrac" | "tfrac" => out.push_str("\\frac"),
                "times" => out.push('×'),
                "cdot" => out.push('·'),
                "div" => out.push('÷'),
                "le" | "leq" | "leqslant" => out.push('≤'),
                "ge" | "geq" | "geqslant" => out.push('≥'),
                "ne" | "neq" => out.push('≠'),
                _ => {
                    out.push('\\');
                    out.push_str(&name);
                }
            }
            i = end;
            continue;
        }
        match next {
            // Thin and other explicit spaces; a backslash before any whitespace is one too.
            ',' | ';' | ':' | '!' => {}
            c if c.is_whitespace() => {}
            '%' => out.push('%'),
            _ => {
                out.push('\\');
                out.push(next);
            }
        }
        i += 2;
    }
    out
}

/// Collapses whitespace and keeps a space only between two word characters.
fn tidy_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && out.chars().next_back().is_some_and(is_word) && is_word(c) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Digits and Latin, Greek and Cyrillic letters. CJK characters are not words in this sense,
/// because Chinese text puts no spaces between them; nor are combining marks, which belong to the
/// letter before them.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_latin(c) || (c.is_alphabetic() && matches!(u32::from(c), 0x0386..=0x04FF))
}

/// Removes trailing full stops and whole-answer math delimiters until neither is left.
fn strip_ends(mut text: &str) -> &str {
    loop {
        let before = text.len();
        text = text.trim().trim_end_matches(['.', '。']);
        text = strip_math_wrapper(text);
        if text.len() == before {
            return text;
        }
    }
}

fn strip_math_wrapper(text: &str) -> &str {
    for (open, close) in [("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")] {
        let inner = text.strip_prefix(open).and_then(|rest| rest.strip_suffix(close));
        if let Some(inner) = inner {
            // `$a$ $b$` is two formulas, not one wrapped in `$`.
            if !inner.contains(open) && !inner.contains(close) {
                return inner;
            }
        }
    }
    text
}
