//! Units of measure written after a number (`45本`, `3 cm`, `12 km/h`), so a blank can be graded
//! with or without them. Only units on this list are recognised: a letter after a number is
//! otherwise taken to be part of the answer (`2x`, `5万`), because treating it as a unit would
//! accept wrong answers.

use super::number::parse_number;

/// Spellings (after [`super::normalize_blank`]) and the canonical form they compare as, so `3厘米`
/// and `3cm` carry the same unit. Longer spellings come first only for readability: matching
/// tries every spelling.
const UNITS: &[(&str, &str)] = &[
    // Length, area, volume.
    ("mm", "mm"),
    ("毫米", "mm"),
    ("cm", "cm"),
    ("厘米", "cm"),
    ("dm", "dm"),
    ("分米", "dm"),
    ("km", "km"),
    ("千米", "km"),
    ("公里", "km"),
    ("m", "m"),
    ("米", "m"),
    ("公顷", "ha"),
    ("ha", "ha"),
    ("亩", "亩"),
    ("ml", "ml"),
    ("毫升", "ml"),
    ("l", "l"),
    ("升", "l"),
    // Mass.
    ("mg", "mg"),
    ("毫克", "mg"),
    ("kg", "kg"),
    ("千克", "kg"),
    ("公斤", "kg"),
    ("g", "g"),
    ("克", "g"),
    ("t", "t"),
    ("吨", "t"),
    ("斤", "斤"),
    // Time.
    ("min", "min"),
    ("分钟", "min"),
    ("s", "s"),
    ("秒", "s"),
    ("h", "h"),
    ("小时", "h"),
    ("时", "h"),
    ("天", "天"),
    ("日", "天"),
    ("周", "周"),
    ("星期", "周"),
    ("月", "月"),
    ("年", "年"),
    ("岁", "岁"),
    // Money (分 is also a minute or a point; which one does not change the number).
    ("元", "元"),
    ("块", "元"),
    ("角", "角"),
    ("毛", "角"),
    ("分", "分"),
    // Angles and temperature (NFKC turns ℃ into °c).
    ("°c", "°c"),
    ("°", "°"),
    ("度", "°"),
    // Counting words (量词) that primary-school answers carry.
    ("个", "个"),
    ("只", "只"),
    ("本", "本"),
    ("条", "条"),
    ("张", "张"),
    ("支", "支"),
    ("枝", "枝"),
    ("棵", "棵"),
    ("件", "件"),
    ("头", "头"),
    ("匹", "匹"),
    ("辆", "辆"),
    ("台", "台"),
    ("艘", "艘"),
    ("名", "人"),
    ("位", "人"),
    ("人", "人"),
    ("次", "次"),
    ("页", "页"),
    ("瓶", "瓶"),
    ("杯", "杯"),
    ("盒", "盒"),
    ("箱", "箱"),
    ("袋", "袋"),
    ("包", "包"),
    ("双", "双"),
    ("套", "套"),
    ("朵", "朵"),
    ("粒", "粒"),
    ("颗", "颗"),
    ("道", "道"),
    ("组", "组"),
    ("层", "层"),
    ("行", "行"),
    ("份", "份"),
    ("根", "根"),
    ("间", "间"),
    ("座", "座"),
    ("节", "节"),
    ("段", "段"),
    ("步", "步"),
    ("圈", "圈"),
    ("倍", "倍"),
];

/// Splits `45本` into the number `45` and the canonical unit `本`; a bare number comes back with no
/// unit, and text that is not a number followed by a known unit comes back whole.
pub(crate) fn split_unit(text: &str) -> (&str, Option<String>) {
    if parse_number(text).is_some() {
        return (text, None);
    }
    for (at, _) in text.char_indices().skip(1) {
        let (value, unit) = text.split_at(at);
        let value = value.trim_end();
        if parse_number(value).is_none() {
            continue;
        }
        if let Some(canonical) = parse_unit(unit.trim_start()) {
            return (value, Some(canonical));
        }
    }
    (text, None)
}

/// `cm`, `平方厘米`, `m^2`, `km/h`, `千米每小时`, `m/s^2` → canonical spelling, or `None`.
fn parse_unit(text: &str) -> Option<String> {
    let (power, rest) = if let Some(rest) = text.strip_prefix("平方") {
        ("^2", rest)
    } else if let Some(rest) = text.strip_prefix("立方") {
        ("^3", rest)
    } else {
        ("", text)
    };
    UNITS.iter().filter(|(spelling, _)| rest.starts_with(spelling)).find_map(|(spelling, canonical)| {
        let rest = &rest[spelling.len()..];
        let (exponent, rest) = match rest.strip_prefix('^') {
            Some(after) => {
                let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
                if digits == 0 {
                    return None;
                }
                (&rest[..=digits], &after[digits..])
            }
            None => (power, rest),
        };
        let head = format!("{canonical}{exponent}");
        if rest.is_empty() {
            return Some(head);
        }
        let after_per = rest.strip_prefix('/').or_else(|| rest.strip_prefix('每'))?;
        Some(format!("{head}/{}", parse_unit(after_per)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_known_units_only() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("45本", "45", Some("本")),
            ("3 cm", "3", Some("cm")),
            ("3厘米", "3", Some("cm")),
            ("5元", "5", Some("元")),
            ("12 km/h", "12", Some("km/h")),
            ("12千米每小时", "12", Some("km/h")),
            ("1/2米", "1/2", Some("m")),
            ("1 1/2小时", "1 1/2", Some("h")),
            ("6平方厘米", "6", Some("cm^2")),
            ("6cm^2", "6", Some("cm^2")),
            ("9.8m/s^2", "9.8", Some("m/s^2")),
            ("30°", "30", Some("°")),
            ("45", "45", None),
            ("50%", "50%", None),
            // Not units: a variable, a magnitude, a unit-like word followed by more text.
            ("2x", "2x", None),
            ("5万", "5万", None),
            ("3个苹果", "3个苹果", None),
            ("cm", "cm", None),
        ];
        for (text, value, unit) in cases {
            assert_eq!(split_unit(text), (*value, unit.map(str::to_owned)), "{text}");
        }
    }
}
