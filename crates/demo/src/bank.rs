//! A generated exercise bank: realistic Chinese exercises across stages, grades, subjects and types.
//!
//! Stems come from templates filled with numbers and vocabulary, so a large bank (the search
//! benchmark uses 700,000 items) has varied text with a realistic spread of words, while every
//! item stays answerable: arithmetic answers are computed, choices hold the right one. Knowledge
//! points are those of the built-in curriculum for the item's subject and grade where the frame
//! has them, free labels otherwise.

use std::collections::HashMap;
use std::sync::OnceLock;

use domain::items::{AnswerKey, Choice, Item, ItemType};
use domain::{Stage, Subject};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `count` exercises generated from `seed`: the same arguments give the same items everywhere.
///
/// Items are produced one at a time, so a benchmark can stream hundreds of thousands of them.
/// Ids are `demo-item-0000001`, … in order.
pub fn items(count: usize, seed: u64) -> impl Iterator<Item = Item> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (1..=count).map(move |n| item(n, &mut rng))
}

/// Subjects with their share of a typical school bank, in percent.
const SUBJECTS: &[(Subject, u32)] = &[
    (Subject::Math, 34),
    (Subject::Chinese, 16),
    (Subject::English, 15),
    (Subject::Physics, 8),
    (Subject::Chemistry, 7),
    (Subject::Biology, 5),
    (Subject::History, 5),
    (Subject::Geography, 5),
    (Subject::Morality, 3),
    (Subject::Politics, 2),
];

const NAMES: &[&str] =
    &["小明", "小红", "小刚", "小丽", "李华", "王芳", "张伟", "刘洋", "陈静", "乐乐", "欢欢", "小军"];
const THINGS: &[(&str, &str)] = &[
    ("练习本", "本"),
    ("苹果", "个"),
    ("树苗", "棵"),
    ("图书", "本"),
    ("铅笔", "支"),
    ("饮料", "瓶"),
    ("彩带", "条"),
    ("橘子", "个"),
    ("花盆", "个"),
    ("口罩", "只"),
    ("篮球", "个"),
    ("作业本", "本"),
];
const GROUPS: &[&str] = &["班", "小组", "年级", "车间", "社团", "兴趣小组"];
const PLACES: &[&str] = &["学校", "图书馆", "超市", "果园", "工厂", "少年宫", "文具店", "社区"];
/// Places named in the source tag of an exercise.
const PLACES_EXAM: &[&str] = &[
    "青山区",
    "临江市",
    "江南省",
    "城东区",
    "河西区",
    "北湖区",
    "南山县",
    "东平县",
    "西城区",
    "枫林镇",
    "实验中学",
    "第一中学",
];
const ACTIVITIES: &[&str] = &["志愿服务", "科技小组", "演讲比赛", "社会实践", "植树活动", "数学竞赛"];
const POEMS: &[(&str, &str, &str, &str)] = &[
    ("李白", "静夜思", "床前明月光", "疑是地上霜"),
    ("孟浩然", "春晓", "春眠不觉晓", "处处闻啼鸟"),
    ("王之涣", "登鹳雀楼", "欲穷千里目", "更上一层楼"),
    ("杜甫", "春望", "国破山河在", "城春草木深"),
    ("王维", "山居秋暝", "明月松间照", "清泉石上流"),
    ("苏轼", "题西林壁", "不识庐山真面目", "只缘身在此山中"),
    ("白居易", "赋得古原草送别", "野火烧不尽", "春风吹又生"),
    ("王安石", "登飞来峰", "不畏浮云遮望眼", "自缘身在最高层"),
    ("陆游", "游山西村", "山重水复疑无路", "柳暗花明又一村"),
    ("刘禹锡", "酬乐天扬州初逢席上见赠", "沉舟侧畔千帆过", "病树前头万木春"),
    ("杜牧", "山行", "停车坐爱枫林晚", "霜叶红于二月花"),
    ("李清照", "夏日绝句", "生当作人杰", "死亦为鬼雄"),
];
const IDIOMS: &[(&str, &str)] = &[
    ("守株待兔", "比喻死守狭隘经验，不知变通"),
    ("画蛇添足", "比喻做了多余的事，反而不恰当"),
    ("亡羊补牢", "比喻出了问题以后想办法补救"),
    ("胸有成竹", "比喻做事之前已经有了通盘的考虑"),
    ("刻舟求剑", "比喻拘泥成例，不知道跟着情势的变化而改变看法"),
    ("井底之蛙", "比喻见识狭窄的人"),
    ("半途而废", "比喻做事有始无终"),
    ("栩栩如生", "形容艺术形象非常逼真，如同活的一样"),
    ("不言而喻", "不用说就可以明白"),
    ("络绎不绝", "形容行人车马来来往往，接连不断"),
];
const RHETORIC: &[(&str, &str)] = &[
    ("春天像刚落地的娃娃，从头到脚都是新的。", "比喻"),
    ("太阳公公笑眯眯地看着我们。", "拟人"),
    ("飞流直下三千尺，疑是银河落九天。", "夸张"),
    ("难道我们不应该保护环境吗？", "反问"),
    ("山是青的，水是绿的，天是蓝的。", "排比"),
    ("桃花开了，像一片粉红的云霞。", "比喻"),
];
/// English verbs (base, third person singular, past) with an object they take.
const VERBS: &[(&str, &str, &str, &str)] = &[
    ("go to", "goes to", "went to", "the park"),
    ("play", "plays", "played", "football"),
    ("read", "reads", "read", "English books"),
    ("watch", "watches", "watched", "TV"),
    ("visit", "visits", "visited", "the museum"),
    ("study", "studies", "studied", "math"),
    ("clean", "cleans", "cleaned", "the classroom"),
    ("fly", "flies", "flew", "kites"),
];
/// Subjects of English sentences, and whether each takes the third person singular.
const PEOPLE_EN: &[(&str, bool)] = &[
    ("Tom", true),
    ("Lucy", true),
    ("My brother", true),
    ("Li Lei", true),
    ("She", true),
    ("They", false),
    ("We", false),
    ("I", false),
    ("My parents", false),
    ("Han Meimei and her friends", false),
];
const WORDS_EN: &[(&str, &str)] = &[
    ("library", "图书馆"),
    ("weather", "天气"),
    ("healthy", "健康的"),
    ("festival", "节日"),
    ("invent", "发明"),
    ("environment", "环境"),
    ("delicious", "美味的"),
    ("neighbour", "邻居"),
    ("science", "科学"),
    ("holiday", "假期"),
];
const SUBSTANCES: &[(&str, &str, &str)] = &[
    ("水", "H_2O", "氧化物"),
    ("二氧化碳", "CO_2", "氧化物"),
    ("氧气", "O_2", "单质"),
    ("铁", "Fe", "单质"),
    ("氯化钠", "NaCl", "盐"),
    ("碳酸钙", "CaCO_3", "盐"),
    ("氢氧化钠", "NaOH", "碱"),
    ("硫酸", "H_2SO_4", "酸"),
    ("盐酸", "HCl", "酸"),
    ("氧化铜", "CuO", "氧化物"),
];
/// Topics used as free knowledge-point labels where the built-in frame has no points for a grade.
const TOPICS: &[(Subject, &[&str])] = &[
    (Subject::Chinese, &["古诗词鉴赏", "修辞手法", "成语运用", "病句修改", "现代文阅读", "文言文阅读", "标点符号"]),
    (Subject::English, &["一般现在时", "一般过去时", "现在完成时", "介词", "名词复数", "阅读理解", "词汇"]),
    (Subject::Math, &["四则运算", "应用题", "图形与几何", "统计与概率"]),
    (Subject::Physics, &["机械运动", "质量与密度", "欧姆定律"]),
    (Subject::Chemistry, &["物质的分类", "化学式与化合价"]),
    (
        Subject::Biology,
        &["细胞的结构", "光合作用", "呼吸作用", "生态系统", "遗传与变异", "人体的消化系统", "基因的表达"],
    ),
    (Subject::History, &["秦朝的统一", "辛亥革命", "新文化运动", "丝绸之路", "工业革命", "改革开放", "五四运动"]),
    (Subject::Geography, &["地球的运动", "气候类型", "河流与湖泊", "人口分布", "季风气候", "板块构造", "城市化"]),
    (Subject::Morality, &["友谊的力量", "遵守规则", "宪法的地位", "诚实守信", "生命的价值", "网络生活"]),
    (Subject::Politics, &["社会主义市场经济", "人民代表大会制度", "文化自信", "矛盾的普遍性", "依法治国"]),
];

/// Knowledge points (id, name) of the built-in frame by subject and grade.
type PointsByGrade = HashMap<(Subject, u8), Vec<(String, String)>>;

fn frame_points() -> &'static PointsByGrade {
    static POINTS: OnceLock<PointsByGrade> = OnceLock::new();
    POINTS.get_or_init(|| {
        let frame = crate::curriculum::builtin();
        let mut grades: HashMap<&str, Vec<u8>> = HashMap::new();
        for v in &frame.volumes {
            // Senior modules are not tied to a grade: they serve the whole stage.
            grades.insert(&v.id, v.grade.map_or_else(|| v.stage.grades().collect(), |g| vec![g]));
        }
        let volume_of: HashMap<&str, &str> =
            frame.nodes.iter().map(|n| (n.id.as_str(), n.volume_id.as_str())).collect();
        let mut out = PointsByGrade::new();
        for k in &frame.knowledge_points {
            let volume = k.node_id.as_deref().and_then(|n| volume_of.get(n));
            for g in volume.and_then(|v| grades.get(v)).into_iter().flatten() {
                out.entry((k.subject, *g)).or_default().push((k.id.clone(), k.name.clone()));
            }
        }
        out
    })
}

/// What a template produces before it becomes an [`Item`].
struct Draft {
    item_type: ItemType,
    stem: String,
    choices: Vec<String>,
    answer: AnswerKey,
    analysis: String,
}

fn item(n: usize, rng: &mut ChaCha8Rng) -> Item {
    let subject = pick_weighted(rng, SUBJECTS);
    let grade = loop {
        let g = rng.random_range(1..=12u8);
        let stage = Stage::of_grade(g).unwrap_or(Stage::Primary);
        let starts = match subject {
            Subject::English => 3,
            Subject::Biology | Subject::History | Subject::Geography => 7,
            Subject::Physics => 8,
            Subject::Chemistry => 9,
            _ => 1,
        };
        if g >= starts && stage.subjects().contains(&subject) {
            break g;
        }
    };
    let stage = Stage::of_grade(grade).unwrap_or(Stage::Primary);
    let (kp_id, kp_name) = match frame_points().get(&(subject, grade)) {
        Some(points) if !points.is_empty() => points[rng.random_range(0..points.len())].clone(),
        _ => {
            let topics = TOPICS.iter().find(|(s, _)| *s == subject).map_or(&["综合"][..], |(_, t)| t);
            let topic = *pick(rng, topics);
            (topic.to_owned(), topic.to_owned())
        }
    };
    let draft = if rng.random_ratio(1, 5) {
        about_point(rng, &kp_name)
    } else {
        match subject {
            Subject::Math => math(rng, stage),
            Subject::Chinese => chinese(rng),
            Subject::English => english(rng),
            Subject::Physics => physics(rng),
            Subject::Chemistry => chemistry(rng),
            _ => about_point(rng, &kp_name),
        }
    };
    let mut draft = draft;
    if rng.random_bool(0.6) {
        // Banks keep where an exercise was used: （2023秋·临江市期末）.
        let year = rng.random_range(2015..=2025);
        let term = pick(rng, &["", "春", "秋"]);
        let place = pick(rng, PLACES_EXAM);
        let exam = pick(rng, &["期中", "期末", "月考", "单元检测", "模拟", "联考", "竞赛"]);
        draft.stem = format!("（{year}{term}·{place}{exam}）{}", draft.stem);
    }
    let difficulty = rng.random_range(1..=5u8);
    let base = if draft.item_type.is_objective() { 45 } else { 240 };
    Item {
        id: format!("demo-item-{n:07}"),
        source: Some("demo".into()),
        source_id: None,
        item_type: draft.item_type,
        stem: draft.stem,
        choices: draft.choices.into_iter().zip('A'..).map(|(content, l)| Choice { label: l.into(), content }).collect(),
        answer: draft.answer,
        analysis: draft.analysis,
        stage: Some(stage),
        grade: Some(grade),
        subject: Some(subject),
        knowledge_points: vec![kp_id],
        difficulty: Some(difficulty),
        seconds: base + u32::from(difficulty) * base / 3,
        points: Some(if draft.item_type.is_objective() { 3.0 } else { 10.0 }),
        tags: Vec::new(),
    }
}

fn math(rng: &mut ChaCha8Rng, stage: Stage) -> Draft {
    let name = *pick(rng, NAMES);
    match (stage, rng.random_range(0..4)) {
        (Stage::Primary, 0) => {
            let ((thing, unit), group, place) = (*pick(rng, THINGS), *pick(rng, GROUPS), *pick(rng, PLACES));
            let (each, k) = (rng.random_range(5..60), rng.random_range(2..9));
            let stem = format!("{place}把{}{unit}{thing}平均分给{k}个{group}，每个{group}分得多少{unit}？", each * k);
            open(
                stem,
                each.to_string(),
                format!("{}÷{k}={each}（{unit}）。答：每个{group}分得{each}{unit}。", each * k),
            )
        }
        (Stage::Primary, 1) => {
            let (l, w) = (rng.random_range(6..40), rng.random_range(2..20));
            let field = pick(rng, &["菜地", "操场", "花坛", "鱼塘", "教室地面"]);
            let stem = format!("一块长方形{field}长{l}米，宽{w}米，它的面积是多少平方米？");
            open(stem, (l * w).to_string(), format!("长方形的面积=长×宽，{l}×{w}={}（平方米）。", l * w))
        }
        (Stage::Primary, 2) => {
            let (v, t) = (rng.random_range(40..90), rng.random_range(5..25));
            let stem = format!("{name}从家到学校，每分钟走{v}米，走了{t}分钟正好到校。{name}家到学校有多少米？");
            open(stem, (v * t).to_string(), format!("路程=速度×时间，{v}×{t}={}（米）。", v * t))
        }
        (Stage::Primary, _) => {
            let (price, off) = (rng.random_range(2..30) * 10, rng.random_range(5..10));
            let (thing, _) = *pick(rng, THINGS);
            let stem = format!("某{}的{thing}原价{price}元，现在打{off}折出售，现价多少元？", pick(rng, PLACES));
            let now = price * off / 10;
            choice(rng, stem, now, format!("打{off}折就是按原价的{off}0%出售，{price}×{off}0%={now}（元）。"))
        }
        (Stage::Junior, 0) => {
            let (a, x, b) = (rng.random_range(2..10), rng.random_range(-9..10), rng.random_range(1..20));
            let stem = format!("解方程：${a}x+{b}={}$，则$x=$____。", a * x + b);
            blank(stem, x.to_string(), format!("移项得${a}x={}$，系数化为1得$x={x}$。", a * x))
        }
        (Stage::Junior, 1) => {
            let (b, c) = (rng.random_range(-8..9), rng.random_range(-9..10));
            let d = b * b - 4 * c;
            let stem = format!("关于$x$的一元二次方程$x^2{b:+}x{c:+}=0$的根的情况是（　　）");
            let options = ["有两个不相等的实数根", "有两个相等的实数根", "没有实数根", "无法确定"];
            let right = usize::from(d <= 0) + usize::from(d < 0);
            Draft {
                item_type: ItemType::SingleChoice,
                stem,
                choices: options.iter().map(|s| (*s).to_owned()).collect(),
                answer: AnswerKey::Choices(vec![label(right)]),
                analysis: format!(
                    "根的判别式$\\Delta=b^2-4ac={}-4\\times({c})={d}$，所以方程{}。",
                    b * b,
                    options[right]
                ),
            }
        }
        (Stage::Junior, 2) => {
            let (a, b, c) = *pick(rng, &[(3, 4, 5), (6, 8, 10), (5, 12, 13), (8, 15, 17), (9, 12, 15)]);
            let stem = format!("在Rt△ABC中，∠C=90°，AC={a}，BC={b}，则AB的长为（　　）");
            choice(rng, stem, c, format!("由勾股定理得$AB=\\sqrt{{AC^2+BC^2}}=\\sqrt{{{}}}={c}$。", a * a + b * b))
        }
        (Stage::Junior, _) => {
            let (k, b) = (rng.random_range(1..6), rng.random_range(-5..6));
            let stem = format!("一次函数$y={k}x{b:+}$的图象与$y$轴的交点坐标是____。");
            blank(stem, format!("(0,{b})"), format!("令$x=0$，得$y={b}$，所以交点坐标为$(0,{b})$。"))
        }
        (_, 0) => {
            let a: Vec<i32> = (0..4).map(|i| i * 2 + rng.random_range(0..2)).collect();
            let b: Vec<i32> = (0..4).map(|i| i * 3 - 1 + rng.random_range(0..2)).collect();
            let both: Vec<String> = a.iter().filter(|x| b.contains(x)).map(ToString::to_string).collect();
            let list = |v: &[i32]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
            let stem = format!("已知集合$A=\\{{{}\\}}$，$B=\\{{{}\\}}$，则$A\\cap B=$____。", list(&a), list(&b));
            let both = format!("\\{{{}\\}}", both.join(","));
            blank(stem, both.clone(), format!("集合A与B的公共元素组成$A\\cap B={both}$。"))
        }
        (_, 1) => {
            let (a1, d, n) = (rng.random_range(-5..10), rng.random_range(1..6), rng.random_range(5..20));
            let stem = format!("在等差数列$\\{{a_n\\}}$中，$a_1={a1}$，公差$d={d}$，则$a_{{{n}}}=$（　　）");
            choice(
                rng,
                stem,
                a1 + (n - 1) * d,
                format!("由通项公式$a_n=a_1+(n-1)d$得$a_{{{n}}}={}$。", a1 + (n - 1) * d),
            )
        }
        (_, 2) => {
            let (boys, girls) = (rng.random_range(2..6), rng.random_range(2..6));
            let activity = pick(rng, ACTIVITIES);
            let total = (boys + girls) * (boys + girls - 1) / 2;
            let stem =
                format!("从{boys}名男生和{girls}名女生中任选2人参加{activity}，恰好选中1名男生和1名女生的概率为____。");
            let answer = format!("\\frac{{{}}}{{{total}}}", boys * girls);
            blank(
                stem,
                answer.clone(),
                format!("基本事件总数为{total}，符合条件的有{}个，概率为${answer}$。", boys * girls),
            )
        }
        (_, _) => {
            let a = rng.random_range(1..5);
            let stem = format!("求函数$f(x)=x^3-{}x$的单调区间与极值。", 3 * a * a);
            let answer = format!("在$(-{a},{a})$上单调递减，在$(-\\infty,-{a})$和$({a},+\\infty)$上单调递增");
            let analysis = format!("$f'(x)=3x^2-{}=3(x+{a})(x-{a})$，令$f'(x)<0$得$-{a}<x<{a}$。", 3 * a * a);
            open(stem, answer, analysis)
        }
    }
}

fn chinese(rng: &mut ChaCha8Rng) -> Draft {
    match rng.random_range(0..4) {
        0 => {
            let (poet, title, first, second) = *pick(rng, POEMS);
            let name = pick(rng, NAMES);
            let stem = match rng.random_range(0..3) {
                0 => format!("根据课文内容填空：{first}，________。（{poet}《{title}》）"),
                1 => format!("{name}在背诵{poet}的《{title}》时忘了下一句，请帮{name}补全：{first}，________。"),
                _ => format!("古诗词默写：《{title}》中“{first}”的下一句是________。"),
            };
            blank(stem, second.to_owned(), format!("本句出自{poet}的《{title}》，原句为“{first}，{second}”。"))
        }
        1 => {
            let i = rng.random_range(0..POEMS.len());
            let (poet, title, first, second) = POEMS[i];
            let stem = format!("下列诗句中，出自{poet}《{title}》的一项是（　　）");
            let others: Vec<String> = (1..4)
                .map(|k| POEMS[(i + k * 3) % POEMS.len()])
                .map(|(_, _, first, second)| format!("{first}，{second}"))
                .collect();
            shuffled(rng, stem, format!("{first}，{second}"), others, format!("“{first}，{second}”出自《{title}》。"))
        }
        2 => {
            let i = rng.random_range(0..IDIOMS.len());
            let (idiom, meaning) = IDIOMS[i];
            let stem = format!("成语“{idiom}”的意思是（　　）");
            let others = (1..4).map(|k| IDIOMS[(i + k) % IDIOMS.len()].1.to_owned()).collect();
            shuffled(rng, stem, meaning.to_owned(), others, format!("“{idiom}”{meaning}。"))
        }
        _ => {
            let (sentence, figure) = *pick(rng, RHETORIC);
            let stem = format!("“{sentence}”这句话运用了什么修辞手法？请简要分析其表达效果。");
            open(stem, figure.to_owned(), format!("这句话运用了{figure}的修辞手法，使描写更加生动形象。"))
        }
    }
}

fn english(rng: &mut ChaCha8Rng) -> Draft {
    let (base, third, past, what) = *pick(rng, VERBS);
    let (who, singular) = *pick(rng, PEOPLE_EN);
    match rng.random_range(0..3) {
        0 => {
            let stem = format!("{who} usually ____ {what} on Sundays.");
            let (right, wrong, why) = if singular {
                (third, base, "是第三人称单数，谓语动词用三单形式")
            } else {
                (base, third, "不是第三人称单数，谓语动词用原形")
            };
            let others =
                distractors(right, [wrong.to_owned(), past.to_owned(), format!("is {base}"), format!("to {base}")]);
            shuffled(rng, stem, right.to_owned(), others, format!("句中有usually，用一般现在时；主语{who}{why}。"))
        }
        1 => {
            let when = pick(rng, &["yesterday afternoon", "last weekend", "two days ago", "last summer"]);
            let stem = format!("{who} ____ {what} {when}.");
            let others =
                distractors(past, [base.to_owned(), third.to_owned(), format!("will {base}"), format!("has {base}")]);
            shuffled(rng, stem, past.to_owned(), others, format!("{when} 表示过去的时间，用一般过去时。"))
        }
        _ => {
            let i = rng.random_range(0..WORDS_EN.len());
            let (word, meaning) = WORDS_EN[i];
            let stem = format!("单词“{word}”的中文意思是（　　）");
            let others = (1..4).map(|k| WORDS_EN[(i + k) % WORDS_EN.len()].1.to_owned()).collect();
            shuffled(rng, stem, meaning.to_owned(), others, format!("{word} 意为“{meaning}”。"))
        }
    }
}

fn physics(rng: &mut ChaCha8Rng) -> Draft {
    match rng.random_range(0..3) {
        0 => {
            let (v, t) = (rng.random_range(5..30), rng.random_range(10..120));
            let stem = format!("一辆汽车以{v}m/s的速度在平直公路上匀速行驶了{t}s，汽车通过的路程是多少米？");
            open(stem, format!("{}m", v * t), format!("由$v=\\frac{{s}}{{t}}$得$s=vt={v}\\times{t}={}$m。", v * t))
        }
        1 => {
            let (rho, volume) = (*pick(rng, &[2, 3, 7, 8, 11]), rng.random_range(5..50) * 2);
            let stem = format!("一块体积为{volume}cm³的金属块，质量为{}g，它的密度是多少g/cm³？", rho * volume);
            choice(
                rng,
                stem,
                rho,
                format!("$\\rho=\\frac{{m}}{{V}}=\\frac{{{}}}{{{volume}}}={rho}$g/cm³。", rho * volume),
            )
        }
        _ => {
            let (r, i) = (rng.random_range(2..30), rng.random_range(1..5));
            let stem = format!("某定值电阻两端的电压为{}V时，通过它的电流为{i}A，则它的阻值为____Ω。", r * i);
            blank(stem, r.to_string(), format!("由欧姆定律$I=\\frac{{U}}{{R}}$得$R=\\frac{{U}}{{I}}={r}\\Omega$。"))
        }
    }
}

fn chemistry(rng: &mut ChaCha8Rng) -> Draft {
    let i = rng.random_range(0..SUBSTANCES.len());
    let (name, formula, class) = SUBSTANCES[i];
    if rng.random_bool(0.5) {
        let stem = format!("{name}的化学式是（　　）");
        let others = (1..4).map(|k| format!("$\\mathrm{{{}}}$", SUBSTANCES[(i + k) % SUBSTANCES.len()].1)).collect();
        shuffled(
            rng,
            stem,
            format!("$\\mathrm{{{formula}}}$"),
            others,
            format!("{name}的化学式为$\\mathrm{{{formula}}}$。"),
        )
    } else {
        let stem = format!("下列物质中，属于{class}的是（　　）");
        let others = SUBSTANCES.iter().filter(|s| s.2 != class).take(3).map(|s| s.0.to_owned()).collect();
        shuffled(rng, stem, name.to_owned(), others, format!("{name}（$\\mathrm{{{formula}}}$）属于{class}。"))
    }
}

/// Templates that work for any subject: a question about one knowledge point.
fn about_point(rng: &mut ChaCha8Rng, point: &str) -> Draft {
    let name = *pick(rng, NAMES);
    match rng.random_range(0..5) {
        3 => open(
            format!("{name}在复习“{point}”时整理了错题。请你帮{name}分析出错的原因，并提出两条改进建议。"),
            format!("原因：对{point}的概念理解不清；建议：回归课本，整理典型例题。"),
            format!("本题考查{point}的理解与反思能力。"),
        ),
        4 => Draft {
            item_type: ItemType::TrueFalse,
            stem: format!("判断：{name}认为“{point}”与生活实际没有联系。"),
            choices: Vec::new(),
            answer: AnswerKey::TrueFalse(false),
            analysis: format!("{point}在生活中有广泛应用，{name}的说法是错误的。"),
        },
        0 => open(
            format!("结合所学知识，简述“{point}”的主要内容，并举例说明。"),
            format!("答案要点：{point}的概念、要点及一个实例。"),
            format!("本题考查{point}，要求理解概念并能联系实际。"),
        ),
        1 => Draft {
            item_type: ItemType::TrueFalse,
            stem: format!("判断：学习“{point}”时，只需要记住结论，不需要理解推理过程。"),
            choices: Vec::new(),
            answer: AnswerKey::TrueFalse(false),
            analysis: format!("学习{point}既要掌握结论，也要理解其形成过程。"),
        },
        _ => {
            let stem = format!("下列关于“{point}”的说法，正确的是（　　）");
            let others =
                vec![format!("{point}与其他知识没有联系"), format!("{point}只在考试中有用"), "以上说法都正确".into()];
            shuffled(rng, stem, format!("理解{point}要结合具体情境"), others, format!("本题考查对{point}的理解。"))
        }
    }
}

/// Three wrong options: the candidates that differ from the right one and from each other.
fn distractors(right: &str, candidates: [String; 4]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in candidates {
        if c != right && !out.contains(&c) && out.len() < 3 {
            out.push(c);
        }
    }
    out
}

fn open(stem: String, answer: String, analysis: String) -> Draft {
    Draft {
        item_type: ItemType::ShortAnswer,
        stem,
        choices: Vec::new(),
        answer: AnswerKey::Reference(answer),
        analysis,
    }
}

fn blank(stem: String, answer: String, analysis: String) -> Draft {
    Draft {
        item_type: ItemType::FillBlank,
        stem,
        choices: Vec::new(),
        answer: AnswerKey::Blanks(vec![vec![answer]]),
        analysis,
    }
}

/// A single choice with a numeric answer and three nearby distractors.
fn choice(rng: &mut ChaCha8Rng, stem: String, answer: i32, analysis: String) -> Draft {
    let step = (answer.abs() / 10).max(1);
    let others = [answer + step, answer - step, answer + 2 * step].iter().map(ToString::to_string).collect();
    shuffled(rng, stem, answer.to_string(), others, analysis)
}

/// A single choice with the right option at a random position among the others.
fn shuffled(rng: &mut ChaCha8Rng, stem: String, right: String, mut others: Vec<String>, analysis: String) -> Draft {
    let at = rng.random_range(0..=others.len());
    others.insert(at, right);
    Draft {
        item_type: ItemType::SingleChoice,
        stem,
        choices: others,
        answer: AnswerKey::Choices(vec![label(at)]),
        analysis,
    }
}

fn label(index: usize) -> String {
    char::from(b'A' + (index % 26) as u8).to_string()
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, from: &'a [T]) -> &'a T {
    // Every list passed here is a non-empty constant, so `choose` always returns an element.
    from.choose(rng).unwrap_or(&from[0])
}

fn pick_weighted<T: Copy>(rng: &mut ChaCha8Rng, from: &[(T, u32)]) -> T {
    let total: u32 = from.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (value, weight) in from {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    from[0].0
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_bank_and_another_seed_another() {
        let a: Vec<Item> = items(300, 5).collect();
        assert_eq!(a, items(300, 5).collect::<Vec<_>>());
        assert_ne!(a, items(300, 6).collect::<Vec<_>>());
        assert_eq!(a[0].id, "demo-item-0000001");
        assert_eq!(a[299].id, "demo-item-0000300");
    }

    #[test]
    fn every_item_is_consistent_and_answerable() {
        let frame = crate::curriculum::builtin();
        let known: HashSet<&str> = frame.knowledge_points.iter().map(|k| k.id.as_str()).collect();
        let mut in_frame = 0;
        for item in items(5_000, 1) {
            let (stage, grade, subject) = (item.stage.unwrap(), item.grade.unwrap(), item.subject.unwrap());
            assert!(stage.grades().contains(&grade), "{item:?}");
            assert!(stage.subjects().contains(&subject), "{item:?}");
            assert!((1..=5).contains(&item.difficulty.unwrap()));
            assert!(!item.stem.trim().is_empty() && !item.analysis.trim().is_empty());
            assert_eq!(item.knowledge_points.len(), 1);
            in_frame += usize::from(known.contains(item.knowledge_points[0].as_str()));
            match (&item.item_type, &item.answer) {
                (ItemType::SingleChoice, AnswerKey::Choices(right)) => {
                    assert_eq!(right.len(), 1);
                    assert!(item.choices.iter().any(|c| c.label == right[0]), "{item:?}");
                    let distinct: HashSet<&str> = item.choices.iter().map(|c| c.content.as_str()).collect();
                    assert_eq!(distinct.len(), item.choices.len(), "duplicate options: {item:?}");
                }
                (ItemType::FillBlank, AnswerKey::Blanks(b)) => assert!(!b[0][0].is_empty()),
                (ItemType::TrueFalse, AnswerKey::TrueFalse(_)) | (ItemType::ShortAnswer, AnswerKey::Reference(_)) => {}
                other => panic!("answer does not fit the type: {other:?}"),
            }
        }
        assert!(in_frame > 3_000, "most items use the built-in frame's points: {in_frame}");
    }

    #[test]
    fn the_text_is_varied_and_spread_over_subjects_and_types() {
        let bank: Vec<Item> = items(10_000, 2).collect();
        let stems: HashSet<&str> = bank.iter().map(|i| i.stem.as_str()).collect();
        assert!(stems.len() > 5_000, "only {} distinct stems in 10,000", stems.len());
        let mut subjects: HashMap<Subject, usize> = HashMap::new();
        let mut types: HashMap<ItemType, usize> = HashMap::new();
        for i in &bank {
            *subjects.entry(i.subject.unwrap()).or_default() += 1;
            *types.entry(i.item_type).or_default() += 1;
        }
        assert!(subjects[&Subject::Math] > 3_000 && subjects[&Subject::Math] < 4_000, "{subjects:?}");
        assert!(subjects.len() >= 10, "{subjects:?}");
        assert_eq!(types.len(), 4, "single choice, fill in, true/false and open: {types:?}");
        // The 英语 items are English sentences.
        assert!(bank.iter().any(|i| i.subject == Some(Subject::English) && i.stem.contains(" usually ")));
    }
}
