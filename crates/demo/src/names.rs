//! Chinese personal names and place names: weighted surnames, gender- and generation-aware given names.

use domain::Gender;
use rand::Rng;

/// Surnames with their approximate share of the population in hundredths of a percent.
///
/// The shares follow the national surname statistics closely enough that a school's staff list
/// "looks right": many 王, 李 and 张, a few 欧阳 or 司马.
const SURNAMES: &[(&str, u32)] = &[
    ("李", 719),
    ("王", 712),
    ("张", 672),
    ("刘", 538),
    ("陈", 461),
    ("杨", 308),
    ("赵", 229),
    ("黄", 223),
    ("周", 191),
    ("吴", 183),
    ("徐", 145),
    ("孙", 138),
    ("胡", 131),
    ("朱", 126),
    ("高", 124),
    ("林", 118),
    ("何", 117),
    ("郭", 115),
    ("马", 105),
    ("罗", 86),
    ("梁", 84),
    ("宋", 81),
    ("郑", 78),
    ("谢", 72),
    ("韩", 68),
    ("唐", 63),
    ("冯", 62),
    ("于", 61),
    ("董", 60),
    ("肖", 59),
    ("程", 57),
    ("曹", 56),
    ("袁", 54),
    ("邓", 54),
    ("许", 53),
    ("傅", 51),
    ("沈", 50),
    ("曾", 49),
    ("彭", 48),
    ("吕", 47),
    ("苏", 46),
    ("卢", 45),
    ("蒋", 44),
    ("蔡", 43),
    ("贾", 42),
    ("丁", 41),
    ("魏", 40),
    ("薛", 39),
    ("叶", 38),
    ("阎", 37),
    ("余", 36),
    ("潘", 35),
    ("杜", 34),
    ("戴", 33),
    ("夏", 32),
    ("钟", 31),
    ("汪", 30),
    ("田", 29),
    ("任", 28),
    ("姜", 27),
    ("范", 26),
    ("方", 25),
    ("石", 24),
    ("姚", 23),
    ("谭", 22),
    ("廖", 21),
    ("邹", 20),
    ("熊", 20),
    ("金", 19),
    ("陆", 19),
    ("郝", 18),
    ("孔", 18),
    ("白", 17),
    ("崔", 17),
    ("康", 16),
    ("毛", 16),
    ("邱", 15),
    ("秦", 15),
    ("江", 14),
    ("史", 14),
    ("顾", 13),
    ("侯", 13),
    ("邵", 12),
    ("孟", 12),
    ("龙", 11),
    ("万", 11),
    ("段", 10),
    ("雷", 10),
    ("钱", 10),
    ("汤", 10),
    ("尹", 9),
    ("黎", 9),
    ("易", 9),
    ("常", 9),
    ("武", 9),
    ("乔", 8),
    ("贺", 8),
    ("赖", 8),
    ("龚", 8),
    ("文", 8),
    ("欧阳", 5),
    ("司马", 1),
    ("上官", 1),
    ("诸葛", 1),
    ("东方", 1),
];

/// Characters of given names chosen for children born after 2008.
const CHILD_MALE: &[&str] = &[
    "浩", "宇", "轩", "子", "梓", "睿", "博", "文", "俊", "杰", "泽", "晨", "一", "铭", "昊", "然", "宸", "鑫", "凯",
    "天", "皓", "明", "阳", "嘉", "思", "辰", "逸", "航", "奕", "瑞", "锦", "翔", "哲", "豪", "安", "煜", "承", "诚",
    "志", "远", "彬", "毅", "霖", "钰", "朗", "景", "沐", "泓", "恒", "鸿",
];
const CHILD_FEMALE: &[&str] = &[
    "欣", "怡", "梓", "涵", "诗", "雨", "萱", "可", "馨", "佳", "琪", "思", "语", "彤", "若", "悦", "雅", "静", "婷",
    "妍", "颖", "晴", "瑶", "一", "梦", "蕾", "依", "琳", "菲", "露", "月", "心", "甜", "柔", "沐", "芷", "嘉", "安",
    "晨", "玥", "希", "诺", "媛", "楠", "婧", "歆", "舒", "宁", "乐", "桐",
];
/// Characters of given names common for people born from the 1960s to the early 2000s.
const ADULT_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宁",
    "建", "国", "海", "峰", "龙", "林", "亮", "成", "东", "俊", "文", "志", "小", "晓", "永", "红", "新", "德", "春",
    "云", "宏",
];
const ADULT_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "红", "梅", "琳", "雪", "慧", "萍", "华", "颖",
    "倩", "秀", "英", "洁", "晶", "莉", "琴", "佳", "丹", "小", "晓", "春", "海", "凤", "云", "美", "玉", "欣", "亚",
    "彩", "月",
];
/// Whole given names typical of grandparents born in the 1950s and 1960s.
const ELDER_MALE: &[&str] = &[
    "建国", "建华", "国强", "德明", "志刚", "永红", "长林", "福生", "金华", "振华", "文斌", "保国", "卫东", "解放",
    "国庆", "建军", "春生", "永福", "德胜", "树林", "庆丰", "忠诚", "立新", "海生",
];
const ELDER_FEMALE: &[&str] = &[
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "凤英", "淑珍", "玉梅", "秀珍", "玉珍", "凤兰", "丽华", "桂芳", "秀芳",
    "淑英", "玉英", "美华", "翠兰", "春梅", "素芬", "金凤", "秋菊", "月娥", "巧云",
];

/// Which generation a name should sound like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generation {
    /// School-age children.
    Child,
    /// Teachers and parents.
    Adult,
    /// Grandparents.
    Elder,
}

/// The surname table as a cumulative distribution, built once per generation run.
pub(crate) struct Surnames {
    cumulative: Vec<u32>,
    total: u32,
}

impl Surnames {
    pub(crate) fn new() -> Self {
        let mut total = 0;
        let cumulative = SURNAMES
            .iter()
            .map(|(_, w)| {
                total += w;
                total
            })
            .collect();
        Surnames { cumulative, total }
    }

    /// Picks a surname with its real-world frequency.
    pub(crate) fn pick(&self, rng: &mut impl Rng) -> &'static str {
        let x = rng.random_range(0..self.total);
        let i = self.cumulative.partition_point(|&c| c <= x);
        SURNAMES.get(i).map_or("王", |(s, _)| *s)
    }
}

/// Appends a given name of the right gender and generation to `out`.
pub(crate) fn push_given_name(out: &mut String, gender: Gender, generation: Generation, rng: &mut impl Rng) {
    let (pool, single_share) = match (generation, gender) {
        (Generation::Elder, Gender::Male) => {
            out.push_str(pick(ELDER_MALE, rng));
            return;
        }
        (Generation::Elder, Gender::Female) => {
            out.push_str(pick(ELDER_FEMALE, rng));
            return;
        }
        (Generation::Adult, Gender::Male) => (ADULT_MALE, 0.35),
        (Generation::Adult, Gender::Female) => (ADULT_FEMALE, 0.35),
        (Generation::Child, Gender::Male) => (CHILD_MALE, 0.12),
        (Generation::Child, Gender::Female) => (CHILD_FEMALE, 0.12),
    };
    let first = pick(pool, rng);
    out.push_str(first);
    if !rng.random_bool(single_share) {
        // Doubled characters (婷婷, 乐乐) exist but are rare in registered names; avoid them.
        let mut second = pick(pool, rng);
        if second == first {
            second = pick(pool, rng);
        }
        out.push_str(second);
    }
}

/// A full name: the given surname followed by a fresh given name.
pub(crate) fn full_name(surname: &str, gender: Gender, generation: Generation, rng: &mut impl Rng) -> String {
    let mut name = String::with_capacity(12);
    name.push_str(surname);
    push_given_name(&mut name, gender, generation, rng);
    name
}

fn pick<'a>(pool: &[&'a str], rng: &mut impl Rng) -> &'a str {
    pool.get(rng.random_range(0..pool.len())).copied().unwrap_or("")
}

/// Townships of the demo district: 镇 first (town locality), then 乡 (rural locality).
pub(crate) const TOWNS: &[&str] =
    &["桃源", "石门", "白沙", "柳溪", "青石", "龙泉", "金桥", "松林", "长乐", "清水", "双河", "凤鸣"];
pub(crate) const XIANG: &[&str] = &["云雾", "黄岭", "竹坪"];

const VILLAGE_HEADS: &[&str] = &[
    "石", "柳", "杨家", "李家", "黄泥", "双", "白", "新", "高", "枫树", "桂花", "马", "牛", "长", "大", "小", "上",
    "下",
];
const VILLAGE_TAILS: &[&str] = &["桥", "塘", "湾", "坪", "岭", "冲", "坝", "铺", "岗", "口", "田", "溪"];

/// `count` distinct village names in a seed-dependent order, e.g. 石桥, 杨家湾.
pub(crate) fn village_names(count: usize, rng: &mut impl Rng) -> Vec<String> {
    use rand::seq::SliceRandom;
    let mut all: Vec<String> =
        VILLAGE_HEADS.iter().flat_map(|h| VILLAGE_TAILS.iter().map(move |t| format!("{h}{t}"))).collect();
    all.shuffle(rng);
    all.truncate(count);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn surnames_follow_the_table() {
        let table = Surnames::new();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let picks: Vec<&str> = (0..20_000).map(|_| table.pick(&mut rng)).collect();
        let wang = picks.iter().filter(|s| **s == "王").count();
        let ouyang = picks.iter().filter(|s| **s == "欧阳").count();
        // 王 is about 7% of the table, 欧阳 about 0.05%.
        assert!((1000..1900).contains(&wang), "王 picked {wang} times");
        assert!(ouyang < 60, "欧阳 picked {ouyang} times");
    }

    #[test]
    fn given_names_have_one_or_two_characters() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        for generation in [Generation::Child, Generation::Adult, Generation::Elder] {
            for _ in 0..500 {
                let name = full_name("欧阳", Gender::Female, generation, &mut rng);
                let given = name.chars().count() - 2;
                assert!((1..=2).contains(&given), "{name}");
            }
        }
    }

    #[test]
    fn village_names_are_distinct() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut names = village_names(100, &mut rng);
        assert_eq!(names.len(), 100);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 100);
    }
}
