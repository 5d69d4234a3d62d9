//! The two interface languages: every UI string in one [`Messages`] table per language, and labels of
//! domain values in the chosen language.

use std::borrow::Cow;

use domain::{Gender, GrowthTier, RegionLevel, SchoolKind};
use domain::{GroupKind, Locality, NodeKind, Relation, Stage, Subject};

/// The interface language of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parses the `lang` query parameter or cookie value.
    pub fn parse(value: &str) -> Option<Lang> {
        match value.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "cn" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" | "en_us" => Some(Lang::En),
            _ => None,
        }
    }

    /// The short code carried by the `lang` parameter and cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the toggle in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The UI strings of this language.
    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The label of a domain value in this language.
    pub fn label<T: Labelled>(self, value: T) -> &'static str {
        match self {
            Lang::Zh => value.zh(),
            Lang::En => value.en(),
        }
    }

    /// The name of a grade 1–12.
    pub fn grade(self, grade: u8) -> Cow<'static, str> {
        match self {
            Lang::Zh => Cow::Borrowed(domain::org::grade_label_zh(grade)),
            Lang::En => Cow::Owned(domain::org::grade_label_en(grade)),
        }
    }

    /// A count with thousands separators, the way both languages write large numbers in tables.
    pub fn count(self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// Joins a list the way the language does (`、` in Chinese, `, ` in English).
    pub fn join<'a>(self, items: impl IntoIterator<Item = &'a str>) -> String {
        let sep = match self {
            Lang::Zh => "、",
            Lang::En => ", ",
        };
        items.into_iter().collect::<Vec<_>>().join(sep)
    }
}

/// A domain value with a Chinese and an English label.
pub trait Labelled: Copy {
    fn zh(self) -> &'static str;
    fn en(self) -> &'static str;
}

/// The domain enums all carry `label_zh`/`label_en` from the same macro; this gives them one trait.
macro_rules! labelled {
    ($($t:ty),+) => {
        $(impl Labelled for $t {
            fn zh(self) -> &'static str {
                self.label_zh()
            }
            fn en(self) -> &'static str {
                self.label_en()
            }
        })+
    };
}
labelled!(SchoolKind, Locality, GroupKind, Gender, GrowthTier, Relation, Stage, Subject, NodeKind, RegionLevel);

/// Every string the interface shows, for one language. Adding a field makes both tables fail to
/// compile until it is translated, so neither language can fall behind.
#[derive(Debug)]
pub struct Messages {
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub nav_overview: &'static str,
    pub nav_groups: &'static str,
    pub nav_curriculum: &'static str,
    /// The toggle's label, written in the language it switches to.
    pub switch_to_other: &'static str,
    pub demo_banner: &'static str,
    pub none: &'static str,

    pub overview_title: &'static str,
    pub totals_heading: &'static str,
    pub total_schools: &'static str,
    pub total_teaching_points: &'static str,
    pub total_classes: &'static str,
    pub total_teachers: &'static str,
    pub total_students: &'static str,
    pub total_guardians: &'static str,
    pub by_kind_heading: &'static str,
    pub by_locality_heading: &'static str,
    pub by_stage_heading: &'static str,
    pub classes_unit: &'static str,
    pub schools_unit: &'static str,
    pub students_unit: &'static str,
    pub schools_heading: &'static str,
    pub filter_all: &'static str,
    pub filter_apply: &'static str,
    pub filter_clear: &'static str,
    pub no_schools_match: &'static str,
    pub shown_count: &'static str,

    pub col_name: &'static str,
    pub col_kind: &'static str,
    pub col_locality: &'static str,
    pub col_central_school: &'static str,
    pub col_classes: &'static str,
    pub col_teachers: &'static str,
    pub col_students: &'static str,
    pub col_size: &'static str,
    pub col_head_teacher: &'static str,
    pub col_subjects: &'static str,
    pub col_subject: &'static str,
    pub col_teacher: &'static str,
    pub col_tier: &'static str,
    pub col_class: &'static str,
    pub col_grade: &'static str,
    pub col_student_number: &'static str,
    pub col_gender: &'static str,
    pub col_id_number: &'static str,
    pub col_guardians: &'static str,
    pub col_members: &'static str,
    pub col_lead_school: &'static str,
    pub col_role: &'static str,
    pub col_volume: &'static str,
    pub col_edition: &'static str,
    pub col_chapters: &'static str,
    pub col_knowledge_points: &'static str,

    pub school_region: &'static str,
    pub school_code: &'static str,
    pub central_school: &'static str,
    pub teaching_points: &'static str,
    pub school_groups: &'static str,
    pub role_lead: &'static str,
    pub role_member: &'static str,
    pub classes_heading: &'static str,
    pub teachers_heading: &'static str,
    pub no_classes: &'static str,

    pub class_school: &'static str,
    pub class_school_year: &'static str,
    pub class_grade: &'static str,
    pub head_teacher: &'static str,
    pub subject_teachers: &'static str,
    pub students_heading: &'static str,
    pub no_students: &'static str,
    pub masked_note: &'static str,

    pub teacher_school: &'static str,
    pub teacher_subjects: &'static str,
    pub teacher_tier: &'static str,
    pub teacher_phone: &'static str,
    pub taught_heading: &'static str,
    pub head_of_heading: &'static str,

    pub groups_title: &'static str,
    pub no_groups: &'static str,

    pub curriculum_title: &'static str,
    pub no_volumes: &'static str,
    pub toc_heading: &'static str,
    pub knowledge_points_heading: &'static str,
    pub prerequisites: &'static str,
    pub unplaced_points: &'static str,
    pub no_points: &'static str,
    pub all_grades: &'static str,

    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub bad_request_title: &'static str,
    pub bad_request_body: &'static str,
    pub error_title: &'static str,
    pub error_body: &'static str,
    pub back_home: &'static str,
}

/// Simplified Chinese.
pub const ZH: Messages = Messages {
    app_name: "智教",
    tagline: "开源区域智慧教育平台",
    nav_overview: "概览",
    nav_groups: "学校集团",
    nav_curriculum: "课程教材",
    switch_to_other: "English",
    demo_banner: "演示数据：所有姓名、证件号和电话均为虚构。",
    none: "—",

    overview_title: "区域概览",
    totals_heading: "基本数据",
    total_schools: "学校",
    total_teaching_points: "教学点",
    total_classes: "班级",
    total_teachers: "教师",
    total_students: "学生",
    total_guardians: "家长",
    by_kind_heading: "学校类型分布（所）",
    by_locality_heading: "城乡分布（学生数）",
    by_stage_heading: "学段分布（学生数）",
    classes_unit: "个班",
    schools_unit: "所",
    students_unit: "人",
    schools_heading: "学校名录",
    filter_all: "全部",
    filter_apply: "筛选",
    filter_clear: "清除筛选",
    no_schools_match: "没有符合条件的学校。",
    shown_count: "所学校",

    col_name: "名称",
    col_kind: "类型",
    col_locality: "城乡",
    col_central_school: "中心校",
    col_classes: "班级数",
    col_teachers: "教师数",
    col_students: "学生数",
    col_size: "人数",
    col_head_teacher: "班主任",
    col_subjects: "任教学科",
    col_subject: "学科",
    col_teacher: "教师",
    col_tier: "成长梯队",
    col_class: "班级",
    col_grade: "年级",
    col_student_number: "学号",
    col_gender: "性别",
    col_id_number: "身份证号",
    col_guardians: "监护人",
    col_members: "成员学校",
    col_lead_school: "牵头学校",
    col_role: "角色",
    col_volume: "册次",
    col_edition: "版本",
    col_chapters: "章数",
    col_knowledge_points: "知识点数",

    school_region: "所属区域",
    school_code: "学校标识码",
    central_school: "中心校",
    teaching_points: "下属教学点",
    school_groups: "所属集团与联盟",
    role_lead: "牵头校",
    role_member: "成员校",
    classes_heading: "班级",
    teachers_heading: "教师",
    no_classes: "暂无班级。",

    class_school: "学校",
    class_school_year: "学年",
    class_grade: "年级",
    head_teacher: "班主任",
    subject_teachers: "任课教师",
    students_heading: "学生名单",
    no_students: "暂无学生。",
    masked_note: "身份证号和电话已脱敏显示。",

    teacher_school: "学校",
    teacher_subjects: "任教学科",
    teacher_tier: "成长梯队",
    teacher_phone: "手机号",
    taught_heading: "任课班级",
    head_of_heading: "担任班主任",

    groups_title: "学校集团与联盟",
    no_groups: "暂无学校集团或联盟。",

    curriculum_title: "课程教材",
    no_volumes: "暂无教材。",
    toc_heading: "目录与知识点",
    knowledge_points_heading: "知识点",
    prerequisites: "先修：",
    unplaced_points: "未归入章节的知识点",
    no_points: "本册暂无知识点。",
    all_grades: "不分年级",

    not_found_title: "页面不存在",
    not_found_body: "找不到您要访问的内容，可能链接有误或记录已被删除。",
    bad_request_title: "请求有误",
    bad_request_body: "请求的内容无法处理，请检查后重试。",
    error_title: "出错了",
    error_body: "服务器暂时无法完成这个请求，请稍后再试。问题已记录。",
    back_home: "返回概览",
};

/// English.
pub const EN: Messages = Messages {
    app_name: "Zhijiao",
    tagline: "Open-source regional smart-education platform",
    nav_overview: "Overview",
    nav_groups: "School groups",
    nav_curriculum: "Curriculum",
    switch_to_other: "中文",
    demo_banner: "Demo data: all names, ID numbers and phone numbers are fictitious.",
    none: "—",

    overview_title: "District overview",
    totals_heading: "Key figures",
    total_schools: "Schools",
    total_teaching_points: "Teaching points",
    total_classes: "Classes",
    total_teachers: "Teachers",
    total_students: "Students",
    total_guardians: "Guardians",
    by_kind_heading: "Schools by kind",
    by_locality_heading: "Students by locality",
    by_stage_heading: "Students by stage",
    classes_unit: "classes",
    schools_unit: "schools",
    students_unit: "students",
    schools_heading: "Schools",
    filter_all: "All",
    filter_apply: "Filter",
    filter_clear: "Clear filter",
    no_schools_match: "No school matches the filter.",
    shown_count: "schools",

    col_name: "Name",
    col_kind: "Kind",
    col_locality: "Locality",
    col_central_school: "Central school",
    col_classes: "Classes",
    col_teachers: "Teachers",
    col_students: "Students",
    col_size: "Students",
    col_head_teacher: "Head teacher",
    col_subjects: "Subjects",
    col_subject: "Subject",
    col_teacher: "Teacher",
    col_tier: "Growth tier",
    col_class: "Class",
    col_grade: "Grade",
    col_student_number: "Student no.",
    col_gender: "Gender",
    col_id_number: "ID number",
    col_guardians: "Guardians",
    col_members: "Member schools",
    col_lead_school: "Lead school",
    col_role: "Role",
    col_volume: "Volume",
    col_edition: "Edition",
    col_chapters: "Chapters",
    col_knowledge_points: "Knowledge points",

    school_region: "Region",
    school_code: "School code",
    central_school: "Central school",
    teaching_points: "Teaching points",
    school_groups: "Groups and alliances",
    role_lead: "Lead school",
    role_member: "Member",
    classes_heading: "Classes",
    teachers_heading: "Teachers",
    no_classes: "No classes yet.",

    class_school: "School",
    class_school_year: "School year",
    class_grade: "Grade",
    head_teacher: "Head teacher",
    subject_teachers: "Subject teachers",
    students_heading: "Students",
    no_students: "No students yet.",
    masked_note: "ID numbers and phone numbers are shown masked.",

    teacher_school: "School",
    teacher_subjects: "Subjects",
    teacher_tier: "Growth tier",
    teacher_phone: "Mobile",
    taught_heading: "Classes taught",
    head_of_heading: "Head teacher of",

    groups_title: "School groups and alliances",
    no_groups: "No school groups or alliances yet.",

    curriculum_title: "Curriculum",
    no_volumes: "No textbooks yet.",
    toc_heading: "Contents and knowledge points",
    knowledge_points_heading: "Knowledge points",
    prerequisites: "Builds on:",
    unplaced_points: "Knowledge points outside any section",
    no_points: "This volume has no knowledge points yet.",
    all_grades: "Any grade",

    not_found_title: "Page not found",
    not_found_body: "We could not find what you were looking for. The link may be wrong or the record may have been removed.",
    bad_request_title: "Bad request",
    bad_request_body: "The request could not be processed. Please check it and try again.",
    error_title: "Something went wrong",
    error_body: "The server could not complete this request. Please try again later; the problem has been logged.",
    back_home: "Back to the overview",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(Lang::Zh.count(0), "0");
        assert_eq!(Lang::Zh.count(999), "999");
        assert_eq!(Lang::En.count(1000), "1,000");
        assert_eq!(Lang::Zh.count(137_045), "137,045");
        assert_eq!(Lang::Zh.count(1_234_567), "1,234,567");
    }

    #[test]
    fn lang_parses_codes_and_defaults_to_chinese() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("ZH-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::Zh.messages().app_name, "智教");
        assert_eq!(Lang::En.label(SchoolKind::Primary), "Primary school");
        assert_eq!(Lang::Zh.grade(10), "高一");
    }
}
