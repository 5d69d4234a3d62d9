//! Our restricted markup (text, `$…$` math, `![alt](src)` images) to and from QTI's XHTML.
//!
//! Written, a text field becomes an element of class `zhijiao-text` in which every character is kept:
//! line breaks become `<br/>`, each formula a `<span class="zhijiao-math">` holding the LaTeX with its
//! delimiters as text (QTI players show it as typed; KaTeX renders it), each image an `<img>`. Read
//! back, a `zhijiao-text` element gives the field exactly. Other packages' XHTML is read as a browser
//! would show it: whitespace collapsed, blocks on their own lines, images as `![alt](path)`, MathML as
//! its TeX annotation when it has one.

use super::xml::{Element, Node, XmlOut, decode_href, encode_href, is_external, resolve};

/// The class of an element that holds one field of our markup, character for character.
pub(crate) const TEXT_CLASS: &str = "zhijiao-text";
/// The class of the `<span>` that holds one formula.
pub(crate) const MATH_CLASS: &str = "zhijiao-math";

/// A piece of markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    Text(&'a str),
    /// A formula with its delimiters, e.g. `$x^2$`.
    Math(&'a str),
    Image {
        alt: &'a str,
        src: &'a str,
    },
}

/// Cuts markup into text, formulas and images. Unclosed delimiters stay text.
pub(crate) fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let rest = &text[i..];
        let found = if rest.starts_with("\\$") {
            i += 2;
            continue;
        } else if rest.starts_with("$$") {
            find_unescaped(text, i + 2, "$$").map(|end| (end + 2, None))
        } else if rest.starts_with('$') {
            find_unescaped(text, i + 1, "$").map(|end| (end + 1, None))
        } else if rest.starts_with("\\(") {
            text[i + 2..].find("\\)").map(|end| (i + 2 + end + 2, None))
        } else if rest.starts_with("\\[") {
            text[i + 2..].find("\\]").map(|end| (i + 2 + end + 2, None))
        } else if rest.starts_with("![") {
            image_at(rest).map(|(len, alt, src)| (i + len, Some((alt, src))))
        } else {
            None
        };
        match found {
            Some((end, image)) => {
                if text_start < i {
                    out.push(Segment::Text(&text[text_start..i]));
                }
                out.push(match image {
                    Some((alt, src)) => Segment::Image { alt, src },
                    None => Segment::Math(&text[i..end]),
                });
                i = end;
                text_start = end;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if text_start < text.len() {
        out.push(Segment::Text(&text[text_start..]));
    }
    out
}

/// The byte index of the next `needle` at or after `from` that is not escaped by a backslash.
fn find_unescaped(text: &str, from: usize, needle: &str) -> Option<usize> {
    let mut i = from;
    while let Some(pos) = text.get(i..)?.find(needle) {
        let at = i + pos;
        if text[..at].ends_with('\\') && !text[..at].ends_with("\\\\") {
            i = at + 1;
            continue;
        }
        return Some(at);
    }
    None
}

/// `![alt](src)` at the start of `text`: its length, alt and src.
fn image_at(text: &str) -> Option<(usize, &str, &str)> {
    let close = text.find("](")?;
    let alt = &text[2..close];
    if alt.contains([']', '\n']) {
        return None;
    }
    let src_start = close + 2;
    let src_len = text[src_start..].find(')')?;
    let src = &text[src_start..src_start + src_len];
    if src.is_empty() || src.contains(char::is_whitespace) {
        return None;
    }
    Some((src_start + src_len + 1, alt, src))
}

/// The package paths of the images a field refers to (external URLs left out). A `src` in markup is a
/// URL path, so `%20` stands for a space.
pub(crate) fn image_paths(text: &str) -> Vec<String> {
    segments(text)
        .into_iter()
        .filter_map(|s| match s {
            Segment::Image { src, .. } if !is_external(src) => Some(decode_href(src)),
            _ => None,
        })
        .collect()
}

/// Writes one field inside an element of class [`TEXT_CLASS`]. Image paths are package paths; the
/// item file sits in `items/`, so they are written relative to it.
pub(crate) fn write_field(out: &mut XmlOut, element: &str, extra_class: &str, text: &str) {
    let class = if extra_class.is_empty() { TEXT_CLASS.to_owned() } else { format!("{TEXT_CLASS} {extra_class}") };
    out.open(element, &[("class", &class)]);
    for segment in segments(text) {
        match segment {
            Segment::Text(t) => {
                for (i, line) in t.split('\n').enumerate() {
                    if i > 0 {
                        out.empty("br", &[]);
                    }
                    if !line.is_empty() {
                        out.text(line);
                    }
                }
            }
            Segment::Math(m) => out.element("span", &[("class", MATH_CLASS)], m),
            Segment::Image { alt, src } => {
                let src =
                    if is_external(src) { src.to_owned() } else { format!("../{}", encode_href(&decode_href(src))) };
                out.empty("img", &[("src", &src), ("alt", alt)]);
            }
        }
    }
    out.close(element);
}

/// What the reader skips or treats specially when turning XHTML into markup.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadRules {
    /// Text entry interactions outside our blanks paragraph become `____` in the stem.
    pub blanks_as_underscores: bool,
}

/// Turns XHTML into markup, collecting the package paths of the images it shows.
pub(crate) struct MarkupReader<'a> {
    /// The item file the XHTML is in, to resolve image paths against.
    pub item_file: &'a str,
    pub images: Vec<(String, usize)>,
    pub bad_images: Vec<(String, usize)>,
    out: String,
}

impl<'a> MarkupReader<'a> {
    pub fn new(item_file: &'a str) -> Self {
        MarkupReader { item_file, images: Vec::new(), bad_images: Vec::new(), out: String::new() }
    }

    /// The markup of an element's content: exact when the element (or its only field child) is one of
    /// ours, as a browser would show it otherwise.
    pub fn field(&mut self, element: &Element, rules: ReadRules) -> String {
        self.out.clear();
        if let Some(ours) = own_field(element) {
            self.exact(ours);
            return std::mem::take(&mut self.out);
        }
        self.rendered(element, rules);
        tidy(&std::mem::take(&mut self.out))
    }

    /// Reads one of our fields: every character as written.
    fn exact(&mut self, element: &Element) {
        for child in &element.children {
            match child {
                Node::Text(t) => self.out.push_str(t),
                Node::Element(e) => match e.name.as_str() {
                    "br" => self.out.push('\n'),
                    "img" => self.image(e),
                    _ => self.exact(e),
                },
            }
        }
    }

    /// Reads foreign XHTML as it would render.
    fn rendered(&mut self, element: &Element, rules: ReadRules) {
        for child in &element.children {
            match child {
                Node::Text(t) => self.collapsed(t),
                Node::Element(e) => self.rendered_element(e, rules),
            }
        }
    }

    fn rendered_element(&mut self, e: &Element, rules: ReadRules) {
        if let Some(ours) = own_field(e) {
            self.block_break();
            self.exact(ours);
            self.block_break();
            return;
        }
        match e.name.as_str() {
            "br" => {
                trim_trailing_spaces(&mut self.out);
                self.out.push('\n');
            }
            "img" => self.image(e),
            "math" => self.math(e),
            "qti-text-entry-interaction" => {
                if rules.blanks_as_underscores {
                    self.out.push_str("____");
                }
            }
            // Interactions other than their prompts, feedback, and scorer-only rubrics are not stem text.
            "qti-choice-interaction" | "qti-extended-text-interaction" => {
                for prompt in e.children_named("qti-prompt") {
                    self.block_break();
                    self.rendered(prompt, rules);
                    self.block_break();
                }
            }
            "qti-rubric-block" if is_scorer_rubric(e) => {}
            _ if e.has_class(BLANKS_CLASS) => {}
            "qti-feedback-block"
            | "qti-feedback-inline"
            | "qti-modal-feedback"
            | "qti-template-block"
            | "qti-template-inline"
            | "qti-printed-variable"
            | "style"
            | "script" => {}
            name if is_block(name) => {
                self.block_break();
                self.rendered(e, rules);
                self.block_break();
            }
            _ => self.rendered(e, rules),
        }
    }

    fn collapsed(&mut self, text: &str) {
        for c in text.chars() {
            if matches!(c, ' ' | '\t' | '\n' | '\r') {
                if !(self.out.is_empty() || self.out.ends_with([' ', '\n'])) {
                    self.out.push(' ');
                }
            } else {
                self.out.push(c);
            }
        }
    }

    fn block_break(&mut self) {
        trim_trailing_spaces(&mut self.out);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn image(&mut self, e: &Element) {
        let src = e.attr("src").unwrap_or_default();
        let alt = e.attr("alt").unwrap_or_default().replace([']', '\n'], " ");
        let path = if is_external(src) {
            Some(src.to_owned())
        } else {
            match resolve(self.item_file, src) {
                Some(path) if !path.is_empty() => {
                    self.images.push((path.clone(), e.line));
                    Some(path)
                }
                _ => {
                    self.bad_images.push((src.to_owned(), e.line));
                    None
                }
            }
        };
        if let Some(path) = path {
            // A path with spaces or `)` cannot stand in `![](…)`; keep it percent-encoded there.
            let shown = if path.contains(|c: char| c.is_whitespace() || c == ')') { encode_href(&path) } else { path };
            self.out.push_str(&format!("![{alt}]({shown})"));
        }
    }

    /// MathML: its TeX annotation as `$…$` when it has one, else its text.
    fn math(&mut self, e: &Element) {
        let tex = e.descendants().into_iter().find(|d| {
            d.name == "annotation"
                && d.attr("encoding").is_some_and(|enc| {
                    let enc = enc.to_ascii_lowercase();
                    enc.contains("tex") || enc.contains("latex")
                })
        });
        match tex {
            Some(annotation) => {
                let tex = annotation.text();
                self.out.push('$');
                self.out.push_str(tex.trim());
                self.out.push('$');
            }
            None => self.collapsed(&e.text()),
        }
    }
}

/// The class of the paragraph that holds our fill-in-the-blank text entries.
pub(crate) const BLANKS_CLASS: &str = "zhijiao-blanks";

/// The element holding one of our fields: the element itself, or its only element child.
fn own_field(element: &Element) -> Option<&Element> {
    if element.has_class(TEXT_CLASS) {
        return Some(element);
    }
    let mut children = element.elements();
    let only = children.next()?;
    let no_text = element.children.iter().all(|n| match n {
        Node::Text(t) => t.trim().is_empty(),
        Node::Element(_) => true,
    });
    (children.next().is_none() && no_text && only.has_class(TEXT_CLASS)).then_some(only)
}

/// Whether a rubric block is for scorers or tutors (our analysis) rather than the candidate.
pub(crate) fn is_scorer_rubric(e: &Element) -> bool {
    e.attr("view").is_some_and(|v| v.split_whitespace().any(|v| v == "scorer" || v == "tutor"))
        && !e.attr("view").is_some_and(|v| v.split_whitespace().any(|v| v == "candidate"))
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "table"
            | "tr"
            | "section"
            | "qti-prompt"
            | "qti-content-body"
            | "qti-rubric-block"
    )
}

fn trim_trailing_spaces(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
}

/// Trims lines and the whole text, and keeps at most one empty line between paragraphs.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut empty_lines = 0;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            empty_lines += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if empty_lines > 0 { "\n\n" } else { "\n" });
        }
        empty_lines = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::xml::parse;
    use super::*;

    #[test]
    fn cuts_markup_into_segments() {
        assert_eq!(
            segments("求 $x$ 与 $$y$$，\\$5，\\(z\\) 和 ![图](a.png) 以及 $未闭合"),
            [
                Segment::Text("求 "),
                Segment::Math("$x$"),
                Segment::Text(" 与 "),
                Segment::Math("$$y$$"),
                Segment::Text("，\\$5，"),
                Segment::Math("\\(z\\)"),
                Segment::Text(" 和 "),
                Segment::Image { alt: "图", src: "a.png" },
                Segment::Text(" 以及 $未闭合"),
            ]
        );
        assert_eq!(segments("$a\\$b$"), [Segment::Math("$a\\$b$")]);
        assert_eq!(image_paths("![](x%20y.png) ![](https://e.com/y.png) ![a]( bad )"), ["x y.png"]);
    }

    #[test]
    fn foreign_xhtml_reads_as_rendered() {
        let body = parse(
            "<qti-item-body><p>Complete   this:\n  <strong>now</strong></p>\
             <blockquote><p>To-morrow to <qti-text-entry-interaction response-identifier=\"R1\"/>,<br/>and\
             <img src=\"img/a b.png\" alt=\"pic\"/></p></blockquote>\
             <math><semantics><mi>x</mi><annotation encoding=\"application/x-tex\">x^2</annotation></semantics></math>\
             <qti-rubric-block view=\"scorer\"><qti-content-body>secret</qti-content-body></qti-rubric-block>\
             <qti-feedback-block><p>no</p></qti-feedback-block></qti-item-body>",
        )
        .unwrap();
        let mut reader = MarkupReader::new("items/q.xml");
        let text = reader.field(&body, ReadRules { blanks_as_underscores: true });
        assert_eq!(text, "Complete this: now\nTo-morrow to ____,\nand![pic](items/img/a%20b.png)\n$x^2$");
        assert_eq!(reader.images, [("items/img/a b.png".to_owned(), 2)]);
    }
}
