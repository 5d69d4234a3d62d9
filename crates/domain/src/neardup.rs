//! Near-duplicate detection for the exercise bank: the same question typed twice, copied from another
//! paper with different numbers, punctuation, spacing or full-width digits.
//!
//! Texts are first normalised ([`normalize_text`]), then cut into character 3-grams ("shingles"), with
//! each number counted as one token (see [`similarity`]). Two texts are as similar as the Jaccard index
//! of their shingle sets. Comparing a new text with every
//! stored one would take seconds at 700,000 items, so candidates are found with MinHash and LSH
//! banding (Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3): each text
//! gets a signature of [`PERMUTATIONS`] minimum hashes, cut into bands; texts sharing any whole band
//! are candidates. Candidates are then scored by their *exact* Jaccard index on the stored shingle
//! sets, so a reported similarity is never an estimate.
//!
//! Texts shorter than [`MIN_SHINGLED_CHARS`] normalised characters have too few shingles for
//! similarity to mean anything (`"12"` and `"13"` share nothing; `"x+1"` is one shingle), so they only
//! match texts that normalise to exactly the same string.
//!
//! Everything is deterministic: fixed hash seeds, no randomness, results sorted.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::items::normalize_text;

/// How many MinHash permutations each signature has.
pub const PERMUTATIONS: usize = 64;
/// Shingles are this many characters long.
pub const SHINGLE_CHARS: usize = 3;
/// Normalised texts shorter than this only match exactly.
pub const MIN_SHINGLED_CHARS: usize = 8;
/// The probability of finding a pair whose similarity is exactly the threshold; pairs above it are
/// found with higher probability (≥ 99.9 % at 0.1 above for the default banding).
const RECALL_AT_THRESHOLD: f64 = 0.95;
/// Marks the end of a bucket's chain.
const NONE: u32 = u32::MAX;
/// How many texts of one bucket a query looks at, newest first. A template repeated thousands of
/// times (the same word problem with other numbers) fills one bucket with all its copies; looking at
/// every one would make a query take milliseconds. Such a query reports the newest copies, which is
/// what an author needs to see ("this already exists").
const MAX_BUCKET_WALK: usize = 256;

/// A stored text that is similar to the one asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct NearDup {
    pub id: String,
    /// The Jaccard index of the two texts' shingle sets, 0–1; 1 for texts that normalise the same.
    pub similarity: f64,
}

/// An index of texts by id that answers "which stored texts are near-duplicates of this one?".
///
/// Memory is about 0.5 KiB per short text (a 700,000-item bank stays well under 1 GiB); insert and
/// query each take microseconds for texts of a few hundred characters (a query looks at no more than
/// 256 texts per band, see `MAX_BUCKET_WALK`).
#[derive(Debug)]
pub struct NearDupIndex {
    threshold: f64,
    rows_per_band: usize,
    entries: Vec<Entry>,
    /// Per band: the band's hash (32 bits: a rare collision only adds a candidate, which the exact
    /// similarity then rejects) → the newest entry with it.
    bands: Vec<HashMap<u32, u32, BuildHasherDefault<PremixedHasher>>>,
    /// `band_next[entry * bands + band]`: the previous entry with the same band hash.
    band_next: Vec<u32>,
    /// Short texts by their normalised form.
    short: HashMap<Box<str>, Vec<u32>>,
    /// The `(a, b)` of each permutation `x ↦ (a·x + b) >> 32`.
    permutations: [(u64, u64); PERMUTATIONS],
}

#[derive(Debug)]
struct Entry {
    id: Box<str>,
    /// Sorted, deduplicated shingle hashes; empty for short texts.
    shingles: Box<[u32]>,
}

impl NearDupIndex {
    /// An empty index that reports texts whose similarity is at least `threshold` (clamped to
    /// 0.05–1; 0.7 finds the same question with a few numbers or words changed).
    ///
    /// The banding is chosen for the threshold: the most rows per band (fewest false candidates)
    /// that still find a pair at exactly the threshold with 95 % probability.
    pub fn new(threshold: f64) -> Self {
        let threshold = if threshold.is_nan() { 1.0 } else { threshold.clamp(0.05, 1.0) };
        let rows_per_band = [16, 8, 4, 2, 1]
            .into_iter()
            .find(|&rows| {
                let bands = (PERMUTATIONS / rows) as i32;
                1.0 - (1.0 - threshold.powi(rows as i32)).powi(bands) >= RECALL_AT_THRESHOLD
            })
            .unwrap_or(1);
        let mut seed = 0x5a48_494a_4941_4f21_u64; // "ZHIJIAO!": any fixed value keeps results reproducible.
        let permutations = std::array::from_fn(|_| {
            let a = splitmix64(&mut seed) | 1;
            let b = splitmix64(&mut seed);
            (a, b)
        });
        let band_count = PERMUTATIONS / rows_per_band;
        NearDupIndex {
            threshold,
            rows_per_band,
            entries: Vec::new(),
            bands: (0..band_count).map(|_| HashMap::default()).collect(),
            band_next: Vec::new(),
            short: HashMap::new(),
            permutations,
        }
    }

    /// The similarity threshold in force.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// How many texts are stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no text is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Stores a text under an id. Texts that normalise to nothing (only punctuation, spaces or a
    /// question number) are not stored, since they are like every other empty text. Ids are not
    /// checked for uniqueness: store each id once.
    pub fn insert(&mut self, id: String, text: &str) {
        let normalized = normalize_text(text);
        let chars: Vec<char> = normalized.chars().collect();
        if chars.is_empty() || self.entries.len() >= NONE as usize {
            return;
        }
        // Checked just above: the index fits in a u32.
        let index = self.entries.len() as u32;
        if chars.len() < MIN_SHINGLED_CHARS {
            self.short.entry(normalized.into_boxed_str()).or_default().push(index);
            self.entries.push(Entry { id: id.into_boxed_str(), shingles: Box::new([]) });
            self.band_next.extend(std::iter::repeat_n(NONE, self.bands.len()));
            return;
        }
        let shingles = shingles(&chars);
        let keys = self.band_keys(&shingles);
        for (band, key) in keys.into_iter().enumerate() {
            let previous = self.bands[band].insert(key, index).unwrap_or(NONE);
            self.band_next.push(previous);
        }
        self.entries.push(Entry { id: id.into_boxed_str(), shingles: shingles.into_boxed_slice() });
    }

    /// The stored texts at least as similar to `text` as the threshold, most similar first (ties by id).
    pub fn find(&self, text: &str) -> Vec<NearDup> {
        self.find_excluding(text, None)
    }

    /// Like [`find`](Self::find), leaving out the stored text with id `exclude`: asking about a stored
    /// item without finding the item itself.
    pub fn find_except(&self, text: &str, exclude: &str) -> Vec<NearDup> {
        self.find_excluding(text, Some(exclude))
    }

    fn find_excluding(&self, text: &str, exclude: Option<&str>) -> Vec<NearDup> {
        let normalized = normalize_text(text);
        let chars: Vec<char> = normalized.chars().collect();
        let keep = |index: &u32| exclude.is_none_or(|id| *self.entries[*index as usize].id != *id);
        let mut found: Vec<NearDup> = if chars.is_empty() {
            Vec::new()
        } else if chars.len() < MIN_SHINGLED_CHARS {
            self.short
                .get(normalized.as_str())
                .into_iter()
                .flatten()
                .filter(|i| keep(i))
                .map(|&i| NearDup { id: self.entries[i as usize].id.to_string(), similarity: 1.0 })
                .collect()
        } else {
            let shingles = shingles(&chars);
            let mut candidates = Vec::new();
            for (band, key) in self.band_keys(&shingles).into_iter().enumerate() {
                let mut next = self.bands[band].get(&key).copied().unwrap_or(NONE);
                let mut walked = 0;
                while next != NONE && walked < MAX_BUCKET_WALK {
                    candidates.push(next);
                    next = self.band_next[next as usize * self.bands.len() + band];
                    walked += 1;
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            candidates
                .into_iter()
                .filter(keep)
                .filter_map(|i| {
                    let entry = &self.entries[i as usize];
                    let similarity = jaccard_sorted(&shingles, &entry.shingles);
                    (similarity >= self.threshold).then(|| NearDup { id: entry.id.to_string(), similarity })
                })
                .collect()
        };
        found.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then_with(|| a.id.cmp(&b.id)));
        found
    }

    /// Roughly how many bytes the index holds on the heap, for capacity planning.
    pub fn heap_bytes(&self) -> usize {
        // A hashbrown table keeps capacity·8/7 buckets of one entry plus one control byte each.
        let table = |capacity: usize, entry: usize| capacity * 8 / 7 * (entry + 1);
        let entries = self.entries.capacity() * size_of::<Entry>()
            + self.entries.iter().map(|e| e.id.len() + e.shingles.len() * size_of::<u32>()).sum::<usize>();
        let bands: usize = self.bands.iter().map(|b| table(b.capacity(), size_of::<(u32, u32)>())).sum();
        let short = table(self.short.capacity(), size_of::<(Box<str>, Vec<u32>)>())
            + self.short.iter().map(|(k, v)| k.len() + v.capacity() * size_of::<u32>()).sum::<usize>();
        entries + bands + self.band_next.capacity() * size_of::<u32>() + short
    }

    /// One hash per band of the text's MinHash signature.
    fn band_keys(&self, shingles: &[u32]) -> Vec<u32> {
        let mut signature = [u32::MAX; PERMUTATIONS];
        for &shingle in shingles {
            let x = u64::from(shingle);
            for (min, &(a, b)) in signature.iter_mut().zip(&self.permutations) {
                // Multiply-shift hashing (Dietzfelbinger et al.): a cheap universal family of
                // permutations of 32-bit values, good enough for min-wise sampling.
                let h = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
                *min = (*min).min(h);
            }
        }
        signature
            .chunks(self.rows_per_band)
            .enumerate()
            .map(|(band, rows)| {
                let mut key = band as u64;
                for &row in rows {
                    key = mix64(key.rotate_left(29) ^ u64::from(row));
                }
                key as u32
            })
            .collect()
    }
}

/// The exact similarity of two texts, as [`NearDupIndex`] computes it: the Jaccard index of the
/// feature sets of their normalised forms (1 when both normalise to the same text, 0 when one is short
/// and they differ). The features are the 3-grams of the text with each number replaced by a
/// placeholder, plus each number as a whole, so that the same question with other numbers scores high
/// but below 1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (normalize_text(a), normalize_text(b));
    if a == b {
        return if a.is_empty() { 0.0 } else { 1.0 };
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() < MIN_SHINGLED_CHARS || b.len() < MIN_SHINGLED_CHARS {
        return 0.0;
    }
    jaccard_sorted(&shingles(&a), &shingles(&b))
}

/// Stands for a number in the text whose 3-grams are taken (a private-use character, never in text).
const NUMBER: char = '\u{E000}';

/// The sorted, deduplicated hashes of a text's features: the 3-grams of the text with every number
/// replaced by one placeholder character, plus each number as a whole. Changing `135` to `120` thus
/// changes one feature, not the three to five 3-grams the digits touch, so the same question with
/// other numbers stays similar while its similarity still drops below 1. Each 3-gram packs into 63
/// bits exactly (three 21-bit code points) before hashing, so distinct features only collide in the
/// final 32 bits.
fn shingles(chars: &[char]) -> Vec<u32> {
    let mut masked = Vec::with_capacity(chars.len());
    let mut hashes = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            masked.push(chars[i]);
            i += 1;
            continue;
        }
        // A number: digits, with `.` between digits (`3.5`).
        let mut value = 0xA5A5_u64;
        while i < chars.len()
            && (chars[i].is_ascii_digit() || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            value = mix64(value ^ u64::from(chars[i]));
            i += 1;
        }
        // Bit 63 is never set by a packed 3-gram, so numbers and 3-grams cannot share a feature.
        hashes.push(mix64(value | 1 << 63) as u32);
        masked.push(NUMBER);
    }
    hashes.extend(masked.windows(SHINGLE_CHARS).map(|w| {
        let packed = w.iter().fold(0u64, |acc, &c| (acc << 21) | u64::from(c));
        mix64(packed) as u32
    }));
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// |A ∩ B| / |A ∪ B| of two sorted, deduplicated sets.
fn jaccard_sorted(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 { 0.0 } else { common as f64 / union as f64 }
}

/// The SplitMix64 finaliser: a fast, well-mixed 64-bit hash of a 64-bit value.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The SplitMix64 generator, for the fixed permutation parameters.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    mix64(*state)
}

/// A hasher for keys that are already well-mixed hashes: hashing them again would only cost time.
#[derive(Debug, Default)]
struct PremixedHasher(u64);

impl Hasher for PremixedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u32` is used by `HashMap<u32, _>`; fold anything else in for correctness.
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }

    fn write_u32(&mut self, value: u32) {
        // hashbrown takes its bucket from the low bits and its tag from the top 7; spread the
        // 32 well-mixed bits over both.
        self.0 = u64::from(value) | (u64::from(value) << 32);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Real-looking stems: one question and its copies from other papers, and unrelated questions.
    const ORIGINAL: &str = "1. （5 分）已知集合 $A=\\{x \\mid -2 \\leqslant x \\leqslant 2\\}$，$B=\\{x \\in Z \\mid \\sqrt{x} \\leqslant 4\\}$，则 $A \\cap B=$（ ）";
    const REFORMATTED: &str = "已知集合A = \\{x \\mid -２ \\leqslant x \\leqslant ２\\}, B = \\{x \\in Z \\mid \\sqrt{x} \\leqslant ４\\}, 则 A\\cap B = ( \\quad )";
    const NEW_NUMBERS: &str = "3．（5分）已知集合 $A=\\{x \\mid -3 \\leqslant x \\leqslant 3\\}$，$B=\\{x \\in Z \\mid \\sqrt{x} \\leqslant 2\\}$，则 $A \\cap B=$（ ）";
    const OTHER_SET_QUESTION: &str = "已知集合 $M=\\{1,2,3,4\\}$，$N=\\{-2,2\\}$，下列结论成立的是（ ）";
    const WORD_PROBLEM: &str = "学校把135本练习本平均分给3个班，每班多少本？";
    const WORD_PROBLEM_COPY: &str = "学校把１２０本练习本平均分给４个班，每班多少本?";
    const OTHER_WORD_PROBLEM: &str =
        "有50个数的平均数是83，如果去掉其中两个数，这两个数的和是118，那么剩下的数的平均数是多少？";

    fn index(texts: &[(&str, &str)]) -> NearDupIndex {
        let mut index = NearDupIndex::new(0.6);
        for (id, text) in texts {
            index.insert((*id).to_owned(), text);
        }
        index
    }

    fn ids(found: &[NearDup]) -> Vec<&str> {
        found.iter().map(|d| d.id.as_str()).collect()
    }

    #[test]
    fn finds_copies_and_only_copies() {
        let index = index(&[
            ("original", ORIGINAL),
            ("other-set", OTHER_SET_QUESTION),
            ("word", WORD_PROBLEM),
            ("other-word", OTHER_WORD_PROBLEM),
        ]);
        let found = index.find(REFORMATTED);
        assert_eq!(ids(&found), ["original"]);
        assert_eq!(found[0].similarity, 1.0, "punctuation, spaces, full-width digits and numbering are ignored");

        let found = index.find(NEW_NUMBERS);
        assert_eq!(ids(&found), ["original"]);
        assert!((0.6..1.0).contains(&found[0].similarity), "{}", found[0].similarity);

        let found = index.find(WORD_PROBLEM_COPY);
        assert_eq!(ids(&found), ["word"], "{found:?}");
        assert!((0.6..1.0).contains(&found[0].similarity), "other numbers: similar, not identical");

        assert!(similarity(ORIGINAL, OTHER_SET_QUESTION) < 0.3);
        assert!(similarity(WORD_PROBLEM, OTHER_WORD_PROBLEM) < 0.2);
        assert_eq!(index.find("完全无关的一道语文阅读理解题目"), vec![]);
    }

    #[test]
    fn results_are_sorted_best_first_and_can_exclude_the_item_itself() {
        let index = index(&[("b-copy", REFORMATTED), ("c-numbers", NEW_NUMBERS), ("a-original", ORIGINAL)]);
        let found = index.find(ORIGINAL);
        assert_eq!(ids(&found), ["a-original", "b-copy", "c-numbers"]);
        assert!(found[2].similarity < found[1].similarity);
        assert_eq!(ids(&index.find_except(ORIGINAL, "a-original")), ["b-copy", "c-numbers"]);
    }

    #[test]
    fn short_texts_match_only_exactly() {
        let index = index(&[("two", "x+1=2"), ("three", "x+1=3"), ("empty", "，。 ")]);
        assert_eq!(ids(&index.find("X + 1 = ２")), ["two"]);
        assert_eq!(index.find("x+1=4"), vec![]);
        assert_eq!(index.find("  "), vec![], "an empty text is nobody's duplicate");
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn the_threshold_decides_and_sets_the_banding() {
        let strict = {
            let mut index = NearDupIndex::new(0.99);
            index.insert("original".into(), ORIGINAL);
            index
        };
        assert_eq!(strict.find(NEW_NUMBERS), vec![]);
        assert_eq!(ids(&strict.find(REFORMATTED)), ["original"]);
        assert_eq!(NearDupIndex::new(0.8).rows_per_band, 4);
        assert_eq!(NearDupIndex::new(0.5).rows_per_band, 2);
        assert_eq!(NearDupIndex::new(f64::NAN).threshold(), 1.0);
    }

    #[test]
    fn memory_per_text_fits_a_large_bank() {
        // 20,000 generated stems of realistic length; 700,000 of them must stay under 1 GiB.
        let mut index = NearDupIndex::new(0.7);
        for i in 0..20_000u32 {
            let text = format!(
                "第{i}题：小明有{}个苹果，小红比他多{}个，两人一共有多少个苹果？请写出算式{}",
                i % 97,
                i % 13,
                i * 7
            );
            index.insert(format!("item-{i}"), &text);
        }
        let per_text = index.heap_bytes() / index.len();
        assert!(per_text * 700_000 < 1 << 30, "{per_text} bytes per text");
    }

    proptest! {
        #[test]
        fn identical_normalised_text_always_matches(
            text in "[a-z0-9一二三四五六七八九十集合函数，。 ]{1,80}",
            others in prop::collection::vec("[a-z0-9集合函数 ]{0,40}", 0..5),
        ) {
            let mut index = NearDupIndex::new(0.9);
            for (i, other) in others.iter().enumerate() {
                index.insert(format!("other-{i}"), other);
            }
            index.insert("target".into(), &text);
            // The same text with different spacing and full-width digits normalises the same.
            let variant: String = text
                .chars()
                .map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c) } else { c })
                .flat_map(|c| [c, ' '])
                .collect();
            let found = index.find(&variant);
            if normalize_text(&text).is_empty() {
                prop_assert!(found.iter().all(|d| d.id != "target"));
            } else {
                prop_assert!(found.iter().any(|d| d.id == "target" && d.similarity == 1.0), "{:?}", found);
            }
        }
    }
}
