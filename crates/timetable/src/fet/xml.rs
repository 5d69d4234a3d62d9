//! A minimal element tree over quick-xml with line numbers, enough to read FET files and to
//! report malformed XML at the line where it breaks.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::{Result, TimetableError};

/// One XML element: name, direct text, children and the line it starts on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
    pub line: usize,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child with this name, if any.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Counts lines up to a byte offset (1-based).
fn line_at(src: &str, offset: usize) -> usize {
    let end = offset.min(src.len());
    src.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses a whole document and returns its root element.
pub(crate) fn parse(src: &str) -> Result<Element> {
    let mut reader = Reader::from_str(src);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    // Lines are counted incrementally: offsets only grow.
    let mut counted_to = 0usize;
    let mut line = 1usize;
    let mut line_of = |offset: usize| {
        let end = offset.min(src.len());
        if end > counted_to {
            line += src.as_bytes()[counted_to..end].iter().filter(|&&b| b == b'\n').count();
            counted_to = end;
        }
        line
    };
    let malformed =
        |offset: usize, message: String| TimetableError::MalformedXml { line: line_at(src, offset), message };
    loop {
        let before = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(malformed(reader.error_position() as usize, e.to_string())),
        };
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let l = line_of(before);
                stack.push(Element { name, text: String::new(), children: Vec::new(), line: l });
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let l = line_of(before);
                let el = Element { name, text: String::new(), children: Vec::new(), line: l };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = root.or(Some(el)),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(malformed(before, "closing tag without an opening tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => {
                        if root.is_some() {
                            return Err(malformed(before, "more than one root element".into()));
                        }
                        root = Some(el);
                    }
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.xml_content().map_err(|e| malformed(before, e.to_string()))?;
                    top.text.push_str(&s);
                } else if t.iter().any(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF) {
                    return Err(malformed(before, "text outside the root element".into()));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => {
                        let name = String::from_utf8_lossy(&r).into_owned();
                        match name.as_str() {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            other => return Err(malformed(before, format!("unknown entity &{other};"))),
                        }
                    }
                    Err(e) => return Err(malformed(before, e.to_string())),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(TimetableError::MalformedXml {
                        line: line_at(src, src.len()),
                        message: format!("end of file inside <{}> opened on line {}", open.name, open.line),
                    });
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    root.ok_or_else(|| TimetableError::MalformedXml { line: 1, message: "no root element".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tree_with_lines_and_entities() {
        let doc = "<?xml version=\"1.0\"?>\n<a>\n  <b>x &amp; y &#x41;</b>\n  <c/>\n</a>\n";
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.child("b").unwrap().text, "x & y A");
        assert_eq!(root.child("b").unwrap().line, 3);
        assert_eq!(root.child("c").unwrap().line, 4);
    }

    #[test]
    fn reports_line_of_mismatched_tag() {
        let doc = "<a>\n<b>\n</c>\n</a>\n";
        match parse(doc) {
            Err(TimetableError::MalformedXml { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected malformed XML, got {other:?}"),
        }
        match parse("<a>\n<b>text</b>\n") {
            Err(TimetableError::MalformedXml { message, .. }) => assert!(message.contains("<a>")),
            other => panic!("expected malformed XML, got {other:?}"),
        }
    }
}
