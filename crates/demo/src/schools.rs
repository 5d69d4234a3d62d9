//! The district's shape: regions, the school list with each school's classes per grade, school groups.

use domain::{GroupKind, Locality, Region, RegionLevel, SchoolGroup, SchoolKind, SchoolYear, Stage};
use rand::Rng;
use rand::seq::SliceRandom;

use crate::Scale;
use crate::names::{TOWNS, XIANG, village_names};

/// The fictional region tree. Province code 38 is unassigned in GB/T 2260, so no real place is named.
pub(crate) const PROVINCE: (&str, &str) = ("380000", "江南省");
pub(crate) const CITY: (&str, &str) = ("380100", "临江市");
pub(crate) const DISTRICT: (&str, &str) = ("380102", "青山区");
pub(crate) const DISTRICT_PREFIX: &str = "青山区";

/// The one school year generated, and the first calendar year of its first grade's birth window.
pub(crate) const SCHOOL_YEAR_ID: &str = "sy-2026";
pub(crate) const SCHOOL_YEAR_START: i32 = 2026;

/// The province › city › district tree.
pub(crate) fn regions() -> Vec<Region> {
    let region = |(code, name): (&str, &str), level, parent: Option<&str>| Region {
        id: format!("r-{code}"),
        parent_id: parent.map(|p| format!("r-{p}")),
        code: code.to_owned(),
        name: name.to_owned(),
        level,
    };
    vec![
        region(PROVINCE, RegionLevel::Province, None),
        region(CITY, RegionLevel::City, Some(PROVINCE.0)),
        region(DISTRICT, RegionLevel::District, Some(CITY.0)),
    ]
}

pub(crate) fn school_year() -> SchoolYear {
    SchoolYear {
        id: SCHOOL_YEAR_ID.to_owned(),
        name: format!("{}-{}学年", SCHOOL_YEAR_START, SCHOOL_YEAR_START + 1),
        start_date: chrono::NaiveDate::from_ymd_opt(SCHOOL_YEAR_START, 9, 1).unwrap_or_default(),
        end_date: chrono::NaiveDate::from_ymd_opt(SCHOOL_YEAR_START + 1, 7, 10).unwrap_or_default(),
    }
}

/// One school as planned: what it is and how many pupils sit in each of its classes.
#[derive(Debug, Clone)]
pub(crate) struct SchoolPlan {
    /// 1-based; gives the readable id `sch-0001`.
    pub number: usize,
    /// 学校标识码, ten digits.
    pub code: String,
    pub name: String,
    pub kind: SchoolKind,
    pub locality: Locality,
    /// Index (into the plan list) of the central school, for a 教学点.
    pub central: Option<usize>,
    /// Class sizes per grade, in grade order; only grades the school teaches appear.
    pub grades: Vec<(u8, Vec<u8>)>,
}

impl SchoolPlan {
    pub(crate) fn id(&self) -> String {
        school_id(self.number)
    }

    pub(crate) fn is_teaching_point(&self) -> bool {
        self.central.is_some()
    }

    pub(crate) fn students(&self) -> usize {
        self.grades.iter().flat_map(|(_, sizes)| sizes).map(|&s| usize::from(s)).sum()
    }

    pub(crate) fn classes(&self) -> usize {
        self.grades.iter().map(|(_, sizes)| sizes.len()).sum()
    }

    /// Classes of one stage.
    pub(crate) fn stage_classes(&self, stage: Stage) -> usize {
        self.grades.iter().filter(|(g, _)| stage.grades().contains(g)).map(|(_, sizes)| sizes.len()).sum()
    }
}

pub(crate) fn school_id(number: usize) -> String {
    format!("sch-{number:04}")
}

/// The realistic range of pupils per class for a stage and locality (教学点 apart).
pub(crate) fn class_size_range(stage: Stage, locality: Locality, teaching_point: bool) -> (u8, u8) {
    if teaching_point {
        return (5, 20);
    }
    match (stage, locality) {
        (Stage::Primary, Locality::Urban) => (40, 45),
        (Stage::Primary, Locality::Town) => (36, 44),
        (Stage::Primary, Locality::Rural) => (25, 40),
        (Stage::Junior, Locality::Urban) => (45, 50),
        (Stage::Junior, Locality::Town) => (42, 48),
        (Stage::Junior, Locality::Rural) => (30, 45),
        (Stage::Senior, Locality::Urban) => (48, 52),
        (Stage::Senior, Locality::Town) => (45, 50),
        (Stage::Senior, Locality::Rural) => (40, 48),
    }
}

/// A school before its classes are drawn: classes per grade are a range per stage.
struct Spec {
    name: String,
    kind: SchoolKind,
    locality: Locality,
    central: Option<usize>,
    /// Parallel classes per grade (min, max) for primary, junior and senior; teaching points ignore it.
    streams: [(u8, u8); 3],
    /// For a 教学点: it teaches grades 1..=this, one class each.
    tp_grades: u8,
}

impl Spec {
    fn new(name: String, kind: SchoolKind, locality: Locality, streams: [(u8, u8); 3]) -> Self {
        Spec { name, kind, locality, central: None, streams, tp_grades: 0 }
    }
}

/// The planned schools, in id order, and their groups.
pub(crate) struct Layout {
    pub plans: Vec<SchoolPlan>,
    pub groups: Vec<SchoolGroup>,
}

/// Pupils the calibration aims at, per scale.
fn target_students(scale: Scale) -> usize {
    match scale {
        Scale::Full => 137_000,
        Scale::Small => 2_400,
    }
}

pub(crate) fn layout(scale: Scale, rng: &mut impl Rng) -> Layout {
    let (specs, groups) = match scale {
        Scale::Full => full_specs(rng),
        Scale::Small => small_specs(rng),
    };
    let mut plans: Vec<SchoolPlan> = specs.iter().enumerate().map(|(i, s)| draw_classes(i + 1, s, rng)).collect();
    calibrate(&mut plans, target_students(scale), rng);
    let groups = groups
        .into_iter()
        .enumerate()
        .map(|(i, g)| SchoolGroup {
            id: format!("grp-{:02}", i + 1),
            name: g.name,
            kind: g.kind,
            lead_school_id: school_id(g.lead + 1),
            member_school_ids: g.members.iter().map(|m| school_id(m + 1)).collect(),
        })
        .collect();
    Layout { plans, groups }
}

fn draw_classes(number: usize, spec: &Spec, rng: &mut impl Rng) -> SchoolPlan {
    let teaching_point = spec.central.is_some();
    let mut grades = Vec::new();
    if teaching_point {
        let (lo, hi) = class_size_range(Stage::Primary, spec.locality, true);
        for grade in 1..=spec.tp_grades {
            grades.push((grade, vec![rng.random_range(lo..=hi)]));
        }
    } else {
        for (si, stage) in Stage::ALL.iter().enumerate() {
            if !spec.kind.stages().contains(stage) {
                continue;
            }
            let (smin, smax) = spec.streams[si];
            let (lo, hi) = class_size_range(*stage, spec.locality, false);
            // A school's intake is fairly stable, so grades differ by at most one class from a base.
            let base = rng.random_range(smin..=smax);
            for grade in stage.grades() {
                let streams = if base > 1 && rng.random_bool(0.25) {
                    base - 1
                } else if base < smax && rng.random_bool(0.2) {
                    base + 1
                } else {
                    base
                };
                grades.push((grade, (0..streams).map(|_| rng.random_range(lo..=hi)).collect()));
            }
        }
    }
    // Codes follow the district code with gaps between schools, as real registers do; blocks
    // of five per school keep them distinct.
    let code = format!("2{}{:03}", DISTRICT.0, number * 5 + rng.random_range(0..5));
    SchoolPlan {
        number,
        code,
        name: spec.name.clone(),
        kind: spec.kind,
        locality: spec.locality,
        central: spec.central,
        grades,
    }
}

/// Adds or removes whole classes until the district has at least `target` pupils and at most
/// 0.3% more, so totals stay realistic for every seed. Growth goes to urban and town schools, as
/// it does in real districts; teaching points are never touched.
fn calibrate(plans: &mut [SchoolPlan], target: usize, rng: &mut impl Rng) {
    let low = target;
    let high = target + target * 3 / 1000;
    let mut total: usize = plans.iter().map(SchoolPlan::students).sum();
    let growable: Vec<usize> = plans
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.is_teaching_point() && p.locality != Locality::Rural)
        .map(|(i, _)| i)
        .collect();
    let shrinkable: Vec<usize> =
        plans.iter().enumerate().filter(|(_, p)| !p.is_teaching_point()).map(|(i, _)| i).collect();
    // Each step moves the total by one class towards the window, so this ends long before the
    // bound; the bound only guards against a window narrower than a class.
    for _ in 0..100_000 {
        if total < low && !growable.is_empty() {
            let school = &mut plans[growable[rng.random_range(0..growable.len())]];
            let g = rng.random_range(0..school.grades.len());
            let (grade, sizes) = &mut school.grades[g];
            let Some(stage) = Stage::of_grade(*grade) else { continue };
            let (lo, hi) = class_size_range(stage, school.locality, false);
            let size = rng.random_range(lo..=hi);
            sizes.push(size);
            total += usize::from(size);
        } else if total > high && !shrinkable.is_empty() {
            let school = &mut plans[shrinkable[rng.random_range(0..shrinkable.len())]];
            let g = rng.random_range(0..school.grades.len());
            let sizes = &mut school.grades[g].1;
            if sizes.len() > 1
                && let Some(size) = sizes.pop()
            {
                total -= usize::from(size);
            }
        } else {
            break;
        }
    }
}

/// A group before ids are known: indices into the spec list.
struct GroupSpec {
    name: String,
    kind: GroupKind,
    lead: usize,
    members: Vec<usize>,
}

const NONE: (u8, u8) = (0, 0);

fn small_specs(rng: &mut impl Rng) -> (Vec<Spec>, Vec<GroupSpec>) {
    use Locality::*;
    use SchoolKind::*;
    let village = village_names(1, rng).pop().unwrap_or_else(|| "石桥".to_owned());
    let town = TOWNS[0];
    let p = DISTRICT_PREFIX;
    let mut specs = vec![
        Spec::new(format!("{p}实验学校"), NineYear, Urban, [(2, 2), (2, 2), NONE]),
        Spec::new(format!("{p}第一中学"), Complete, Urban, [NONE, (2, 2), (2, 2)]),
        Spec::new(format!("{p}第二中学"), Junior, Urban, [NONE, (2, 2), NONE]),
        Spec::new(format!("{}第一中学", CITY.1), Senior, Urban, [NONE, NONE, (2, 3)]),
        Spec::new(format!("{p}{town}镇中心小学"), Primary, Town, [(2, 2), NONE, NONE]),
    ];
    let mut tp = Spec::new(format!("{p}{town}镇{village}村教学点"), Primary, Rural, [NONE; 3]);
    tp.central = Some(4);
    tp.tp_grades = rng.random_range(2..=3);
    specs.push(tp);
    let groups = vec![
        GroupSpec {
            name: format!("{p}第一中学教育集团"), kind: GroupKind::EducationGroup, lead: 1, members: vec![2]
        },
        GroupSpec {
            name: format!("{p}实验学校·{town}镇片区网络联盟校"),
            kind: GroupKind::NetworkAlliance,
            lead: 0,
            members: vec![4, 5],
        },
    ];
    (specs, groups)
}

const CHINESE_NUMERALS: [&str; 14] =
    ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四"];

fn numeral(n: usize) -> &'static str {
    CHINESE_NUMERALS.get(n.wrapping_sub(1)).copied().unwrap_or("")
}

/// The full district: 37 urban, 32 town and 51 rural schools plus 20 teaching points.
fn full_specs(rng: &mut impl Rng) -> (Vec<Spec>, Vec<GroupSpec>) {
    use Locality::*;
    use SchoolKind::*;
    let p = DISTRICT_PREFIX;
    let city = CITY.1;
    let mut specs: Vec<Spec> = Vec::with_capacity(140);
    let push = |specs: &mut Vec<Spec>, spec: Spec| {
        specs.push(spec);
        specs.len() - 1
    };

    // The district seat.
    let mut urban_primary = Vec::new();
    let mut primary_names = vec![format!("{p}实验小学")];
    primary_names.extend((1..=12).map(|n| format!("{p}第{}小学", numeral(n))));
    primary_names.extend(
        ["育才", "东风路", "滨江", "人民路", "师范附属", "解放路", "城南"].iter().map(|n| format!("{p}{n}小学")),
    );
    for name in primary_names {
        urban_primary.push(push(&mut specs, Spec::new(name, Primary, Urban, [(6, 9), NONE, NONE])));
    }
    let urban_nine: Vec<usize> = ["实验学校", "外国语学校"]
        .iter()
        .map(|n| push(&mut specs, Spec::new(format!("{p}{n}"), NineYear, Urban, [(4, 6), (4, 6), NONE])))
        .collect();
    let urban_junior: Vec<usize> =
        ["实验中学", "第二中学", "第三中学", "第五中学", "第六中学", "第七中学", "第九中学", "第十中学"]
            .iter()
            .map(|n| push(&mut specs, Spec::new(format!("{p}{n}"), Junior, Urban, [NONE, (11, 16), NONE])))
            .collect();
    let urban_complete: Vec<usize> = ["第一中学", "第四中学", "第八中学"]
        .iter()
        .map(|n| push(&mut specs, Spec::new(format!("{p}{n}"), Complete, Urban, [NONE, (6, 9), (8, 12)])))
        .collect();
    let mut urban_senior =
        vec![push(&mut specs, Spec::new(format!("{city}第一中学"), Senior, Urban, [NONE, NONE, (18, 22)]))];
    for name in [format!("{city}第六中学"), format!("{p}第一高级中学"), format!("{p}第二高级中学")] {
        urban_senior.push(push(&mut specs, Spec::new(name, Senior, Urban, [NONE, NONE, (14, 18)])));
    }

    // Townships: 12 镇 (town locality) then 3 乡 (rural). Rural primaries per township, and
    // teaching points, which the smaller and remoter townships have more of.
    const VILLAGE_PRIMARIES: [usize; 15] = [2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3];
    const TEACHING_POINTS: [usize; 15] = [0, 0, 1, 1, 1, 1, 2, 2, 1, 2, 1, 2, 2, 2, 2];
    let villages_needed: usize = VILLAGE_PRIMARIES.iter().sum::<usize>() + TEACHING_POINTS.iter().sum::<usize>() + 2;
    let mut villages = village_names(villages_needed, rng).into_iter();
    let mut next_village = || villages.next().unwrap_or_default();
    let mut town_primary = Vec::new();
    let mut town_junior = Vec::new();
    let mut town_senior_like = Vec::new();
    let mut rural_nine = Vec::new();
    let mut township_rural: Vec<(String, Vec<usize>)> = Vec::new();
    for (t, town) in TOWNS.iter().chain(XIANG).enumerate() {
        let is_xiang = t >= TOWNS.len();
        let unit = if is_xiang { "乡" } else { "镇" };
        let seat = if is_xiang { Rural } else { Town };
        let township = format!("{p}{town}{unit}");
        let central_streams = if is_xiang { (2, 3) } else { (4, 6) };
        let central =
            push(&mut specs, Spec::new(format!("{township}中心小学"), Primary, seat, [central_streams, NONE, NONE]));
        if is_xiang {
            rural_nine.push(push(
                &mut specs,
                Spec::new(format!("{township}九年一贯制学校"), NineYear, Rural, [(1, 2), (2, 3), NONE]),
            ));
        } else {
            town_primary.push(central);
            if t < 2 {
                town_primary.push(push(
                    &mut specs,
                    Spec::new(format!("{township}第二小学"), Primary, Town, [(3, 4), NONE, NONE]),
                ));
            }
            town_junior
                .push(push(&mut specs, Spec::new(format!("{township}初级中学"), Junior, Town, [NONE, (4, 8), NONE])));
            if (2..5).contains(&t) {
                town_junior.push(push(
                    &mut specs,
                    Spec::new(format!("{township}九年一贯制学校"), NineYear, Town, [(2, 3), (2, 4), NONE]),
                ));
            }
            if t < 2 {
                town_senior_like.push(push(
                    &mut specs,
                    Spec::new(format!("{p}{town}高级中学"), Senior, Town, [NONE, NONE, (8, 12)]),
                ));
            }
            if t == 5 {
                town_senior_like.push(push(
                    &mut specs,
                    Spec::new(format!("{p}{town}中学"), Complete, Town, [NONE, (4, 6), (5, 8)]),
                ));
            }
        }
        let mut rural = Vec::new();
        for _ in 0..VILLAGE_PRIMARIES[t] {
            let name = format!("{township}{}村小学", next_village());
            rural.push(push(&mut specs, Spec::new(name, Primary, Rural, [(1, 2), NONE, NONE])));
        }
        if t == 6 || t == 7 {
            let name = format!("{township}{}学校", next_village());
            rural_nine.push(push(&mut specs, Spec::new(name, NineYear, Rural, [(1, 2), (1, 2), NONE])));
        }
        for _ in 0..TEACHING_POINTS[t] {
            let mut tp = Spec::new(format!("{township}{}村教学点", next_village()), Primary, Rural, [NONE; 3]);
            tp.central = Some(central);
            tp.tp_grades = rng.random_range(1..=4);
            rural.push(push(&mut specs, tp));
        }
        township_rural.push((format!("{town}{unit}"), rural));
    }

    // 集团化办学: a strong urban school leads schools of the same stage.
    let mut groups = Vec::new();
    let mut primary_pool: Vec<usize> = urban_primary[2..13].iter().chain(&urban_primary[16..]).copied().collect();
    primary_pool.extend(&town_primary);
    primary_pool.shuffle(rng);
    let mut junior_pool: Vec<usize> = urban_junior[2..].iter().chain(&town_junior).copied().collect();
    junior_pool.shuffle(rng);
    let mut senior_pool: Vec<usize> =
        urban_senior[1..].iter().chain(&urban_complete).chain(&town_senior_like).copied().collect();
    senior_pool.shuffle(rng);
    // The three primary groups draw from one pool, the two junior groups from another.
    let mut pools = [primary_pool, junior_pool, senior_pool];
    let education = [
        (urban_primary[0], 0, (2, 4)),
        (urban_primary[1], 0, (2, 4)),
        (urban_primary[13], 0, (2, 4)),
        (urban_junior[0], 1, (2, 3)),
        (urban_junior[1], 1, (2, 3)),
        (urban_senior[0], 2, (2, 2)),
    ];
    let mut education_members = 0;
    for (lead, pool, (lo, hi)) in education {
        let pool = &mut pools[pool];
        let count = rng.random_range(lo..=hi).min(pool.len());
        let mut members: Vec<usize> = pool.drain(..count).collect();
        members.sort_unstable();
        education_members += members.len();
        groups.push(GroupSpec {
            name: format!("{}教育集团", specs[lead].name),
            kind: GroupKind::EducationGroup,
            lead,
            members,
        });
    }

    // 网络联盟校: an urban school leads rural schools and teaching points over live classes.
    // Member counts are chosen so the 12 groups cover about 40 schools: 6 education-group leads,
    // their members, 4 new alliance leads and the alliance members.
    let alliance_members = 40usize.saturating_sub(6 + education_members + 4).max(12);
    let mut townships: Vec<usize> = (2..township_rural.len()).collect();
    townships.shuffle(rng);
    let alliance_leads = [urban_primary[0], urban_primary[1], urban_primary[14], urban_primary[15], urban_nine[1]];
    for (i, lead) in alliance_leads.iter().enumerate() {
        let count = (alliance_members / 6 + usize::from(i < alliance_members % 6)).clamp(2, 4);
        let (town_name, rural) = &township_rural[townships[i]];
        let mut candidates = rural.clone();
        candidates.shuffle(rng);
        candidates.truncate(count);
        candidates.sort_unstable();
        groups.push(GroupSpec {
            name: format!("{}·{town_name}片区网络联盟校", specs[*lead].name),
            kind: GroupKind::NetworkAlliance,
            lead: *lead,
            members: candidates,
        });
    }
    let count = (alliance_members / 6).clamp(2, 4).min(rural_nine.len());
    rural_nine.shuffle(rng);
    let mut members: Vec<usize> = rural_nine.drain(..count).collect();
    members.sort_unstable();
    groups.push(GroupSpec {
        name: format!("{}城乡网络联盟校", specs[urban_nine[0]].name),
        kind: GroupKind::NetworkAlliance,
        lead: urban_nine[0],
        members,
    });
    (specs, groups)
}
