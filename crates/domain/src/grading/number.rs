//! Exact rational numbers read from written answers, so that `0.5`, `1/2`, `50%`, `2/4`, `1又1/2`
//! and `\frac{1}{2}` can be compared as values. Arithmetic is exact (`i128` fractions, never
//! floats): `0.333` is not `1/3`, and anything too large to represent is simply "not a number".

/// A reduced fraction with a positive denominator, so equal values have equal representations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rational {
    num: i128,
    den: i128,
}

impl Rational {
    /// `num/den` reduced; `None` for a zero denominator or on overflow.
    pub(crate) fn new(num: i128, den: i128) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let divisor = i128::try_from(gcd(num.unsigned_abs(), den.unsigned_abs())).ok()?;
        let (mut num, mut den) = (num / divisor, den / divisor);
        if den < 0 {
            num = num.checked_neg()?;
            den = den.checked_neg()?;
        }
        Some(Rational { num, den })
    }

    fn integer(value: i128) -> Self {
        Rational { num: value, den: 1 }
    }

    fn add(self, other: Self) -> Option<Self> {
        let num = self.num.checked_mul(other.den)?.checked_add(other.num.checked_mul(self.den)?)?;
        Rational::new(num, self.den.checked_mul(other.den)?)
    }

    fn div(self, other: Self) -> Option<Self> {
        Rational::new(self.num.checked_mul(other.den)?, self.den.checked_mul(other.num)?)
    }

    fn neg(self) -> Option<Self> {
        Some(Rational { num: self.num.checked_neg()?, den: self.den })
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    // gcd(0, 0) only happens for 0/0, which `new` rejects before dividing.
    a.max(1)
}

/// Reads a number written in any of the forms students and answer keys use, from text already
/// passed through [`super::normalize_blank`]: integers (`1,000` with strict thousands groups),
/// decimals (`0.5`, `.5`), fractions (`3/4`, `\frac{3}{4}`, `\frac34`, `4分之3`), mixed numbers
/// (`1又1/2`, `1 1/2`, `1(1/2)`, `1\frac{1}{2}`), percentages (`50%`, `百分之50`, `5‰`) and a
/// leading sign. Anything else, including expressions (`1+1`) and ratios (`1:2`), is not a number.
pub(crate) fn parse_number(text: &str) -> Option<Rational> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = if let Some(inner) = rest.strip_suffix('%') {
        parse_unsigned(inner)?.div(Rational::integer(100))?
    } else if let Some(inner) = rest.strip_suffix('‰') {
        parse_unsigned(inner)?.div(Rational::integer(1000))?
    } else if let Some(inner) = rest.strip_prefix("百分之") {
        parse_unsigned(inner)?.div(Rational::integer(100))?
    } else {
        parse_unsigned(rest)?
    };
    if negative { value.neg() } else { Some(value) }
}

fn parse_unsigned(text: &str) -> Option<Rational> {
    parse_mixed(text).or_else(|| parse_fraction(text)).or_else(|| parse_decimal(text))
}

/// `1又1/2`, `1 1/2`, `1(1/2)`, `1\frac{1}{2}`: a whole number followed by a fraction.
fn parse_mixed(text: &str) -> Option<Rational> {
    let whole_len = text.find(|c: char| !c.is_ascii_digit())?;
    if whole_len == 0 {
        return None;
    }
    let (whole, rest) = text.split_at(whole_len);
    let fraction = if let Some(after) = rest.strip_prefix('又').or_else(|| rest.strip_prefix(' ')) {
        after
    } else if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        inner
    } else if rest.starts_with('\\') {
        rest
    } else {
        return None;
    };
    let fraction = parse_fraction(fraction)?;
    Rational::integer(whole.parse().ok()?).add(fraction)
}

/// `a/b`, `\frac{a}{b}` (also `\frac ab` with single-digit arguments) and `b分之a`.
fn parse_fraction(text: &str) -> Option<Rational> {
    if let Some(args) = text.strip_prefix("\\frac") {
        let (numerator, rest) = latex_argument(args)?;
        let (denominator, rest) = latex_argument(rest)?;
        return if rest.is_empty() { numerator.div(denominator) } else { None };
    }
    if let Some((denominator, numerator)) = text.split_once("分之") {
        return parse_decimal(numerator)?.div(parse_decimal(denominator)?);
    }
    let (numerator, denominator) = text.split_once('/')?;
    parse_decimal(numerator)?.div(parse_decimal(denominator)?)
}

/// One argument of `\frac`: a braced signed number or a single digit.
fn latex_argument(text: &str) -> Option<(Rational, &str)> {
    if let Some(braced) = text.strip_prefix('{') {
        let close = braced.find('}')?;
        Some((parse_number(&braced[..close])?, &braced[close + 1..]))
    } else {
        let digit = text.chars().next().filter(char::is_ascii_digit)?;
        Some((Rational::integer(i128::from(digit.to_digit(10)?)), &text[1..]))
    }
}

/// `12`, `1,000`, `3.25`, `.5`.
fn parse_decimal(text: &str) -> Option<Rational> {
    let (integer, fraction) = match text.split_once('.') {
        Some((integer, fraction)) if !fraction.is_empty() => (integer, fraction),
        Some(_) => return None,
        None => (text, ""),
    };
    let integer = strip_thousands_separators(integer)?;
    if integer.is_empty() && fraction.is_empty() {
        return None;
    }
    if !integer.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut numerator: i128 = 0;
    for c in integer.chars().chain(fraction.chars()) {
        numerator = numerator.checked_mul(10)?.checked_add(i128::from(c.to_digit(10)?))?;
    }
    let denominator = 10i128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    Rational::new(numerator, denominator)
}

/// `1,000,000` → `1000000`; `None` when commas are present but not in groups of three (`1,2` is a
/// list, not twelve).
fn strip_thousands_separators(text: &str) -> Option<String> {
    if !text.contains(',') {
        return Some(text.to_owned());
    }
    let mut groups = text.split(',');
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len());
    let rest: Vec<&str> = groups.collect();
    (first_ok && rest.iter().all(|g| g.len() == 3)).then(|| text.replace(',', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Option<(i128, i128)> {
        parse_number(text).map(|r| (r.num, r.den))
    }

    #[test]
    fn reads_every_written_form() {
        let cases: &[(&str, Option<(i128, i128)>)] = &[
            ("12", Some((12, 1))),
            ("-12", Some((-12, 1))),
            ("+3", Some((3, 1))),
            ("1,000", Some((1000, 1))),
            ("1,2", None),
            ("12,34", None),
            ("0.5", Some((1, 2))),
            (".5", Some((1, 2))),
            ("5.", None),
            ("0.333", Some((333, 1000))),
            ("2/4", Some((1, 2))),
            ("-3/6", Some((-1, 2))),
            ("1/0", None),
            ("1.5/3", Some((1, 2))),
            ("\\frac{2}{4}", Some((1, 2))),
            ("\\frac{-1}{2}", Some((-1, 2))),
            ("\\frac34", Some((3, 4))),
            ("\\frac{1}{2}x", None),
            ("4分之3", Some((3, 4))),
            ("1又1/2", Some((3, 2))),
            ("1 1/2", Some((3, 2))),
            ("1(1/2)", Some((3, 2))),
            ("1\\frac{1}{2}", Some((3, 2))),
            ("-1 1/2", Some((-3, 2))),
            ("50%", Some((1, 2))),
            ("12.5%", Some((1, 8))),
            ("百分之50", Some((1, 2))),
            ("5‰", Some((1, 200))),
            ("1+1", None),
            ("1:2", None),
            ("", None),
            ("-", None),
            ("abc", None),
            // 40 digits do not fit in an i128: not a number rather than a wrong one.
            ("1234567890123456789012345678901234567890", None),
        ];
        for (text, expected) in cases {
            assert_eq!(value(text), *expected, "{text}");
        }
    }
}
