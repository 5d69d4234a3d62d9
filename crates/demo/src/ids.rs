//! Allocators for numbers that must be unique across the district: identity numbers and mobile numbers.

use chrono::{Datelike, NaiveDate};
use domain::Gender;
use rand::Rng;

/// The first day an identity number can carry here; everyone generated is born after it.
const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1940, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Hands out 18-digit resident identity numbers (GB 11643): region code, birth date, a 3-digit
/// sequence whose last digit is odd for men and even for women, and the check character.
///
/// Uniqueness comes from a counter per birth date and gender instead of a set of issued numbers,
/// which keeps generation allocation-light.
pub(crate) struct IdNumbers {
    region_code: &'static str,
    /// Numbers issued so far, indexed by `days since EPOCH * 2 + gender`.
    issued: Vec<u16>,
}

impl IdNumbers {
    pub(crate) fn new(region_code: &'static str) -> Self {
        IdNumbers { region_code, issued: Vec::new() }
    }

    /// The next identity number for someone born on `birth` of `gender`.
    ///
    /// Each day and gender has 500 sequence numbers; a demo district never comes close to using
    /// them up, and if it ever did the birth date moves one day on rather than repeating a number.
    pub(crate) fn issue(&mut self, mut birth: NaiveDate, gender: Gender) -> String {
        loop {
            let day = usize::try_from((birth - EPOCH).num_days()).unwrap_or(0);
            let slot = day * 2 + usize::from(gender == Gender::Female);
            if self.issued.len() <= slot {
                self.issued.resize(slot + 1, 0);
            }
            let count = self.issued[slot];
            if count < 500 {
                self.issued[slot] = count + 1;
                // Spread the sequence over 000–999 so numbers do not all start at 001; 37 is
                // coprime to 500, so the first 500 counts map to distinct sequences.
                let spread = (u32::from(count) * 37 + (day as u32 % 500)) % 500;
                let parity = u32::from(gender == Gender::Male);
                let sequence = spread * 2 + parity;
                return format_id_number(self.region_code, birth, sequence);
            }
            birth = birth.succ_opt().unwrap_or(birth);
        }
    }
}

fn format_id_number(region_code: &str, birth: NaiveDate, sequence: u32) -> String {
    let mut id = String::with_capacity(18);
    id.push_str(region_code);
    push_digits(&mut id, birth.year() as u32, 4);
    push_digits(&mut id, birth.month(), 2);
    push_digits(&mut id, birth.day(), 2);
    push_digits(&mut id, sequence, 3);
    // The first 17 characters are ASCII digits by construction, which always have a check
    // character; the fallback only keeps this function total.
    id.push(domain::people::id_number_check_char(&id).unwrap_or('X'));
    id
}

fn push_digits(out: &mut String, value: u32, width: u32) {
    let mut divisor = 10u32.pow(width - 1);
    while divisor > 0 {
        out.push(char::from(b'0' + ((value / divisor) % 10) as u8));
        divisor /= 10;
    }
}

/// A uniformly random date in `from..=to`.
pub(crate) fn random_date(from: NaiveDate, to: NaiveDate, rng: &mut impl Rng) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + chrono::Duration::days(rng.random_range(0..=span))
}

/// Hands out distinct mainland mobile numbers: a real carrier prefix (13x–19x) and eight digits.
///
/// The eight digits run through an affine permutation of 0..10⁸, so every number is distinct
/// whatever prefix it gets, without remembering the numbers already issued.
pub(crate) struct Phones {
    next: u64,
    offset: u64,
}

const PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184", "185",
    "186", "187", "188", "189", "191", "198", "199",
];
const SUFFIX_SPACE: u64 = 100_000_000;
/// Odd and not a multiple of 5, hence coprime to 10⁸: `i * MULTIPLIER mod 10⁸` is a permutation.
const MULTIPLIER: u64 = 48_271_137;

impl Phones {
    pub(crate) fn new(rng: &mut impl Rng) -> Self {
        Phones { next: 0, offset: rng.random_range(0..SUFFIX_SPACE) }
    }

    pub(crate) fn issue(&mut self, rng: &mut impl Rng) -> String {
        let suffix = (self.next * MULTIPLIER + self.offset) % SUFFIX_SPACE;
        self.next += 1;
        let prefix = PREFIXES.get(rng.random_range(0..PREFIXES.len())).copied().unwrap_or("138");
        let mut phone = String::with_capacity(11);
        phone.push_str(prefix);
        push_digits(&mut phone, suffix as u32, 8);
        phone
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn identity_numbers_are_valid_distinct_and_carry_gender() {
        let mut ids = IdNumbers::new("380102");
        let birth = NaiveDate::from_ymd_opt(2015, 3, 1).unwrap();
        let mut seen = std::collections::HashSet::new();
        for i in 0..1200 {
            let gender = if i % 2 == 0 { Gender::Male } else { Gender::Female };
            let id = ids.issue(birth, gender);
            domain::people::validate_id_number(&id).unwrap();
            assert!(id.starts_with("380102"));
            let seq_last = id.as_bytes()[16] - b'0';
            assert_eq!(seq_last % 2 == 1, gender == Gender::Male, "{id}");
            assert!(seen.insert(id));
        }
        // 600 per gender exceeds the 500 sequences of one day, so some moved to the next day.
        assert!(seen.iter().any(|id| &id[6..14] == "20150302"));
    }

    #[test]
    fn phones_are_distinct_and_well_formed() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut phones = Phones::new(&mut rng);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50_000 {
            let p = phones.issue(&mut rng);
            assert_eq!(p.len(), 11);
            assert!(p.starts_with('1') && (b'3'..=b'9').contains(&p.as_bytes()[1]), "{p}");
            assert!(p.bytes().all(|b| b.is_ascii_digit()));
            assert!(seen.insert(p[3..].to_owned()));
        }
    }
}
