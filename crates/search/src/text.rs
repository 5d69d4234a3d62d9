//! Text analysis: NFKC + lower-case normalisation, the jieba word tokenizer and the character
//! bigram tokenizer, registered with tantivy under [`JIEBA`] and [`GRAMS`].
//!
//! Both tokenizers give every token as position the number of *word characters* (letters,
//! digits, ideographs) before it in the text, so a phrase query built from a query's tokens at
//! their own positions matches exactly where the query text occurs, ignoring punctuation,
//! spaces and `$` math delimiters: `已知集合` is 已知@0 集合@2 in the query and 已知@k 集合@k+2
//! in every stem containing it, and `关于x的` matches `关于$x$的`. Byte offsets (for
//! snippets) point into the text as given, not the normalised copy.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Name under which [`JiebaTokenizer`] is registered.
pub const JIEBA: &str = "zh_jieba";
/// Name under which [`GramTokenizer`] is registered.
pub const GRAMS: &str = "zh_grams";

/// Tokens longer than this (in bytes) are dropped: they are base64 blobs or runaway LaTeX, never
/// something a person types.
const MAX_TOKEN_BYTES: usize = 64;

/// The shared jieba instance: loading the dictionary takes ~100 ms, so it is done once.
fn jieba() -> &'static Arc<Jieba> {
    static JIEBA_INSTANCE: OnceLock<Arc<Jieba>> = OnceLock::new();
    JIEBA_INSTANCE.get_or_init(|| Arc::new(Jieba::new()))
}

/// Text after NFKC and lower-casing, with a map back to byte offsets of the original.
///
/// NFKC folds full-width letters and digits and the Kangxi radicals that some banks contain
/// (`⼀` U+2F00 → `一`), so the index and the queries see the same characters.
pub(crate) struct Normalized<'a> {
    pub text: Cow<'a, str>,
    /// For each byte of `text` (and one past the end), the byte offset in the original; `None`
    /// when the text was already normal and offsets are the same.
    map: Option<Vec<u32>>,
}

impl<'a> Normalized<'a> {
    pub fn new(original: &'a str) -> Self {
        let already = is_nfkc_quick(original.chars()) == IsNormalized::Yes && !original.chars().any(char::is_uppercase);
        if already {
            return Normalized { text: Cow::Borrowed(original), map: None };
        }
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len() + 1);
        for (offset, c) in original.char_indices() {
            let before = text.len();
            if c.is_ascii() {
                text.push(c.to_ascii_lowercase());
            } else {
                for folded in std::iter::once(c).nfkc() {
                    text.extend(folded.to_lowercase());
                }
            }
            map.resize(map.len() + (text.len() - before), offset as u32);
        }
        map.push(original.len() as u32);
        Normalized { text: Cow::Owned(text), map: Some(map) }
    }

    /// The original byte offset of byte `offset` of the normalised text.
    pub fn original_offset(&self, offset: usize) -> usize {
        match &self.map {
            Some(map) => map.get(offset).map_or(offset, |o| *o as usize),
            None => offset,
        }
    }
}

/// NFKC + lower-case, for values compared whole (source ids, filter values, codes).
pub fn normalize(text: &str) -> String {
    Normalized::new(text.trim()).text.into_owned()
}

/// Whether a token is worth indexing: it has a letter or digit (CJK ideographs count as letters)
/// and is not absurdly long.
fn is_word(text: &str) -> bool {
    text.len() <= MAX_TOKEN_BYTES && text.chars().any(char::is_alphanumeric)
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// Reusable token buffer: a tokenizer fills it, the stream hands the tokens out in order.
#[derive(Clone, Default)]
struct Buffer {
    tokens: Vec<Token>,
    len: usize,
}

impl Buffer {
    fn clear(&mut self) {
        self.len = 0;
    }

    fn push(&mut self, text: &str, position: usize, from: usize, to: usize) {
        if self.len == self.tokens.len() {
            self.tokens.push(Token::default());
        }
        let token = &mut self.tokens[self.len];
        token.text.clear();
        token.text.push_str(text);
        token.position = position;
        token.position_length = 1;
        token.offset_from = from;
        token.offset_to = to;
        self.len += 1;
    }

    fn stream(&mut self) -> BufferStream<'_> {
        // Positions must not go backwards for one term; jieba's search mode emits the parts of a
        // long word before the word itself, so order by position (a stable sort keeps the rest).
        self.tokens[..self.len].sort_by_key(|t| t.position);
        BufferStream { tokens: &mut self.tokens[..self.len], next: 0 }
    }
}

/// The token stream of both tokenizers.
pub struct BufferStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl TokenStream for BufferStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// Words by jieba in search mode (a long word and its dictionary sub-words: 判别式 → 判别,
/// 判别式), normalised, without punctuation.
#[derive(Clone)]
pub struct JiebaTokenizer {
    jieba: Arc<Jieba>,
    buffer: Buffer,
}

impl Default for JiebaTokenizer {
    fn default() -> Self {
        JiebaTokenizer { jieba: Arc::clone(jieba()), buffer: Buffer::default() }
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = BufferStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferStream<'a> {
        self.buffer.clear();
        let normalized = Normalized::new(text);
        // Word characters before each character: jieba reports character offsets.
        let mut before = Vec::with_capacity(normalized.text.len() + 1);
        let mut words = 0;
        for c in normalized.text.chars() {
            before.push(words);
            words += usize::from(c.is_alphanumeric());
        }
        before.push(words);
        for t in self.jieba.cut_for_search(&normalized.text, true) {
            if is_word(t.word) {
                let from = normalized.original_offset(t.byte_start);
                let to = normalized.original_offset(t.byte_end);
                self.buffer.push(t.word, before[t.start], from, to);
            }
        }
        self.buffer.stream()
    }
}

/// The words of a query as jieba cuts them (default mode: no overlapping sub-words), with their
/// character offsets: what a phrase query on the [`JIEBA`] fields is built from.
pub(crate) fn query_words(text: &str) -> Vec<(usize, String)> {
    let normalized = Normalized::new(text);
    jieba()
        .cut(&normalized.text, true)
        .into_iter()
        .filter(|t| is_word(t.word))
        .map(|t| (t.start, t.word.to_owned()))
        .collect()
}

/// Overlapping character bigrams of runs of Chinese characters (a lone character stands for
/// itself), and runs of other letters and digits as whole words: `x²的根` → `x2` `的根`.
///
/// A query's bigrams as a phrase match exactly where its text occurs, whatever word boundaries
/// jieba would draw, so short and partial words (分数, 判别, 初步认) find their documents.
#[derive(Clone, Default)]
pub struct GramTokenizer {
    buffer: Buffer,
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = BufferStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferStream<'a> {
        self.buffer.clear();
        let normalized = Normalized::new(text);
        let norm: &str = &normalized.text;
        let chars: Vec<(usize, char)> = norm.char_indices().collect();
        let end_of = |i: usize| chars.get(i).map_or(norm.len(), |(o, _)| *o);
        let (mut i, mut position) = (0, 0);
        while i < chars.len() {
            let (start, c) = chars[i];
            if is_han(c) {
                let paired = chars.get(i + 1).is_some_and(|(_, n)| is_han(*n));
                let after_han = i > 0 && is_han(chars[i - 1].1);
                if paired || !after_han {
                    let end = end_of(if paired { i + 2 } else { i + 1 });
                    let (from, to) = (normalized.original_offset(start), normalized.original_offset(end));
                    self.buffer.push(&norm[start..end], position, from, to);
                }
                i += 1;
                position += 1;
            } else if c.is_alphanumeric() {
                let mut j = i + 1;
                while j < chars.len() && chars[j].1.is_alphanumeric() && !is_han(chars[j].1) {
                    j += 1;
                }
                let end = end_of(j);
                if end - start <= MAX_TOKEN_BYTES {
                    let (from, to) = (normalized.original_offset(start), normalized.original_offset(end));
                    self.buffer.push(&norm[start..end], position, from, to);
                }
                position += j - i;
                i = j;
            } else {
                i += 1;
            }
        }
        self.buffer.stream()
    }
}

/// The character bigrams of `text` with their positions, exactly as the index cuts it (for
/// engines compared against ours, which must match the same substrings).
pub fn bigrams(text: &str) -> Vec<(usize, String)> {
    tokens_of(&mut GramTokenizer::default(), text)
}

/// The tokens of `text` under `tokenizer`, with their positions: for building queries.
pub(crate) fn tokens_of<T: Tokenizer>(tokenizer: &mut T, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = tokenizer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push((t.position, t.text.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<T: Tokenizer>(mut t: T, s: &str) -> Vec<String> {
        tokens_of(&mut t, s).into_iter().map(|(_, w)| w).collect()
    }

    #[test]
    fn kangxi_radicals_and_full_width_are_folded_with_offsets_kept() {
        // ⼀ and ⽐ are Kangxi radicals (3 bytes each), Ａ is full-width A.
        let text = "⼀个数⽐Ａ大";
        let n = Normalized::new(text);
        assert_eq!(n.text, "一个数比a大");
        // `a` is byte 12 of the normalised text and came from byte 12 (Ａ) of the original.
        assert_eq!(n.original_offset(12), 12);
        assert_eq!(n.original_offset(13), 15);
        assert_eq!(normalize(" ＡＰＥ210k "), "ape210k");
    }

    #[test]
    fn jieba_search_mode_gives_words_and_parts_without_punctuation() {
        let words = texts(JiebaTokenizer::default(), "《分数的初步认识》课件：根的判别式");
        for w in ["分数", "初步", "认识", "课件", "判别式", "判别"] {
            assert!(words.contains(&w.to_owned()), "{w} missing from {words:?}");
        }
        assert!(!words.iter().any(|w| w.contains('《') || w.contains('：')), "{words:?}");
    }

    #[test]
    fn grams_are_bigrams_of_han_runs_and_whole_latin_words() {
        assert_eq!(texts(GramTokenizer::default(), "已知集合A={1,2}"), ["已知", "知集", "集合", "a", "1", "2"]);
        assert_eq!(texts(GramTokenizer::default(), "x²的根，是"), ["x2", "的根", "是"]);
        let mut t = GramTokenizer::default();
        let tokens = tokens_of(&mut t, "求一元二次方程");
        assert_eq!(tokens[0], (0, "求一".to_owned()));
        assert_eq!(tokens[5], (5, "方程".to_owned()));
        // Punctuation and math delimiters do not take a position.
        let spaced = tokens_of(&mut t, "关于$x$的一元");
        assert_eq!(spaced, tokens_of(&mut t, "关于 x的一元"));
        assert_eq!(spaced[1], (2, "x".to_owned()));
        assert_eq!(spaced[2], (3, "的一".to_owned()));
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let mut t = GramTokenizer::default();
        let text = "⼀元⼆次方程";
        let mut stream = t.token_stream(text);
        let first = stream.next().map(|t| (t.offset_from, t.offset_to, t.text.clone()));
        assert_eq!(first, Some((0, 6, "一元".to_owned())));
    }
}
