//! The XML plumbing of the QTI reader and writer: a small element tree with line numbers (items and
//! manifests are small, and a tree is far easier to map than a stream), an escaping writer, and the
//! URI and path rules of IMS content packages.

use std::fmt::Write as _;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

/// An element: its local name (namespace prefix removed), attributes by local name, children and the
/// line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether the `class` attribute lists `class`.
    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// Every element below this one, depth first in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.elements().collect();
        stack.reverse();
        while let Some(e) = stack.pop() {
            out.push(e);
            let mut children: Vec<&Element> = e.elements().collect();
            children.reverse();
            stack.extend(children);
        }
        out
    }

    /// All text below this element, concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// The trimmed text of the first child with this name, if any.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(|e| e.text().trim().to_owned())
    }
}

/// A document that is not well-formed XML: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError {
    pub line: usize,
    pub reason: String,
}

/// Counts lines up to byte offsets that only grow.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl LineCounter<'_> {
    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset > self.offset {
            self.line += self.text[self.offset..offset].iter().filter(|&&b| b == b'\n').count();
            self.offset = offset;
        }
        self.line
    }
}

/// Parses a document into its root element. Entity references other than XML's five and character
/// references are refused (QTI documents declare none).
pub(crate) fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let mut lines = LineCounter { text: text.as_bytes(), offset: 0, line: 1 };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            XmlError { line: lines.line_at(at), reason: e.to_string() }
        })?;
        let line = lines.line_at(start);
        let bad = |reason: String| XmlError { line, reason };
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                return Err(bad(format!(
                    "element <{}> after the root element",
                    String::from_utf8_lossy(e.name().as_ref())
                )));
            }
            Event::Start(e) => stack.push(element(&e, line).map_err(bad)?),
            Event::Empty(e) => {
                let element = element(&e, line).map_err(bad)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(element)),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else { return Err(bad("unexpected closing tag".into())) };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(element)),
                    None => root = Some(element),
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content().map_err(|e| bad(e.to_string()))?;
                push_text(&mut stack, &content);
            }
            Event::CData(c) => {
                let content = c.xml10_content().map_err(|e| bad(e.to_string()))?;
                push_text(&mut stack, &content);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => {
                        let name = r.decode().map_err(|e| bad(e.to_string()))?;
                        match name.as_ref() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => return Err(bad(format!("unknown entity `&{other};`"))),
                        }
                    }
                    Err(e) => return Err(bad(e.to_string())),
                };
                push_text(&mut stack, resolved.encode_utf8(&mut [0; 4]));
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError { line: open.line, reason: format!("<{}> is never closed", open.name) });
    }
    root.ok_or(XmlError { line: 1, reason: "the document has no root element".into() })
}

fn push_text(stack: &mut [Element], text: &str) {
    // Text outside the root element is only whitespace in a well-formed document.
    let Some(parent) = stack.last_mut() else { return };
    match parent.children.last_mut() {
        Some(Node::Text(previous)) => previous.push_str(text),
        _ => parent.children.push(Node::Text(text.to_owned())),
    }
}

fn element(start: &BytesStart<'_>, line: usize) -> Result<Element, String> {
    let name = local_name(start.name().as_ref());
    let mut attributes = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            continue;
        }
        let value = attr.unescape_value().map_err(|e| e.to_string())?;
        attributes.push((local_name(key), value.into_owned()));
    }
    Ok(Element { name, attributes, children: Vec::new(), line })
}

fn local_name(qname: &[u8]) -> String {
    let local = qname.iter().rposition(|&b| b == b':').map_or(qname, |i| &qname[i + 1..]);
    String::from_utf8_lossy(local).into_owned()
}

/// Whether a character can appear in an XML 1.0 document at all, even as a character reference.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text content. `\r` becomes a character reference, since parsers turn a literal one into `\n`.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value. Tabs and line breaks become character references, since parsers turn
/// literal ones into spaces (attribute-value normalisation).
fn escape_attribute(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// A document being written. Writing into a `Vec` cannot fail, so no method returns an error.
pub(crate) struct XmlOut {
    writer: Writer<Vec<u8>>,
}

impl XmlOut {
    pub fn new() -> Self {
        let mut writer = Writer::new(Vec::new());
        writer.get_mut().extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        XmlOut { writer }
    }

    fn start(name: &str, attributes: &[(&str, &str)]) -> BytesStart<'static> {
        let mut start = BytesStart::new(name.to_owned());
        for (key, value) in attributes {
            let escaped = escape_attribute(value);
            start.push_attribute(Attribute::from((key.as_bytes(), escaped.as_bytes())));
        }
        start
    }

    pub fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let _ = self.writer.write_event(Event::Start(Self::start(name, attributes)));
    }

    pub fn close(&mut self, name: &str) {
        let _ = self.writer.write_event(Event::End(BytesEnd::new(name.to_owned())));
    }

    pub fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let _ = self.writer.write_event(Event::Empty(Self::start(name, attributes)));
    }

    pub fn text(&mut self, text: &str) {
        let _ = self.writer.write_event(Event::Text(BytesText::from_escaped(escape_text(text))));
    }

    /// `<name attributes>text</name>`.
    pub fn element(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.open(name, attributes);
        self.text(text);
        self.close(name);
    }

    /// A line break and indentation between structural elements (never inside item text).
    pub fn indent(&mut self, depth: usize) {
        let _ = self.writer.write_event(Event::Text(BytesText::from_escaped(format!("\n{}", "  ".repeat(depth)))));
    }

    pub fn finish(self) -> Vec<u8> {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        bytes
    }
}

/// Percent-encodes a package path for an `href` or `src`: everything but unreserved characters and `/`.
pub(crate) fn encode_href(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes `%XX` escapes in an `href` or `src`; malformed escapes are kept as they are.
pub(crate) fn decode_href(href: &str) -> String {
    let bytes = href.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| href.to_owned())
}

/// Whether a reference points outside the package (a URL), rather than at a file in it.
pub(crate) fn is_external(href: &str) -> bool {
    href.contains("://") || href.starts_with("data:") || href.starts_with("blob:") || href.starts_with("//")
}

/// Resolves an `href` relative to the folder of `base_file` into a package path (`a/../b` → `b`).
/// `None` when it climbs out of the package.
pub(crate) fn resolve(base_file: &str, href: &str) -> Option<String> {
    let href = decode_href(href.split(['#', '?']).next().unwrap_or(href));
    let mut parts: Vec<&str> = match base_file.rfind('/') {
        Some(slash) if !href.starts_with('/') => base_file[..slash].split('/').collect(),
        _ => Vec::new(),
    };
    for part in href.trim_start_matches('/').split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_references_and_lines() {
        let root = parse("<?xml version=\"1.0\"?>\n<a x=\"1&#10;2\" xmlns:m=\"u\">\n  <m:b>x &amp; y&#13;<![CDATA[<z>]]></m:b>\r\n<c/></a>").unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("x"), Some("1\n2"));
        let b = root.child("b").unwrap();
        assert_eq!((b.line, b.text()), (3, "x & y\r<z>".to_owned()));
        assert_eq!(root.child("c").unwrap().line, 4);
        assert_eq!(root.descendants().iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn reports_malformed_xml_with_its_line() {
        let err = parse("<a>\n<b>\n</a>").unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        assert_eq!(parse("<a>&nbsp;</a>").unwrap_err().reason, "unknown entity `&nbsp;`");
        assert_eq!(parse("<a>\n<b>").unwrap_err().line, 2);
    }

    #[test]
    fn written_text_and_attributes_read_back_exactly() {
        let tricky = "a & b < c > \"d\" 'e'\t\r\n中文";
        let mut out = XmlOut::new();
        out.open("r", &[("v", tricky)]);
        out.text(tricky);
        out.close("r");
        let text = String::from_utf8(out.finish()).unwrap();
        let root = parse(&text).unwrap();
        assert_eq!(root.attr("v"), Some(tricky));
        assert_eq!(root.text(), tricky);
    }

    #[test]
    fn hrefs_resolve_and_round_trip() {
        assert_eq!(resolve("items/q1.xml", "../images/a%20b.png").as_deref(), Some("images/a b.png"));
        assert_eq!(resolve("items/q1.xml", "img.png").as_deref(), Some("items/img.png"));
        assert_eq!(resolve("q1.xml", "./x/./y.png?v=1").as_deref(), Some("x/y.png"));
        assert_eq!(resolve("q1.xml", "../y.png"), None);
        assert_eq!(decode_href(&encode_href("图片/a b&c.png")), "图片/a b&c.png");
        assert_eq!(encode_href("images/a b.png"), "images/a%20b.png");
    }
}
