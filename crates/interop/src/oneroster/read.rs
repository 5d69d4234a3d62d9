//! Reading OneRoster 1.2 CSV files into a validated roster (see the module above for the mapping).

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use domain::{
    Class, DomainError, Gender, GroupKind, GrowthTier, Guardian, GuardianLink, Locality, Region, RegionLevel, Relation,
    Roster, School, SchoolGroup, SchoolKind, SchoolYear, Student, Subject, Teacher, TeachingAssignment,
};

use super::*;
use crate::InputFile;

/// Reads a OneRoster 1.2 bulk file set into a roster that passes [`Roster::validate`].
///
/// Files are recognised by name (`users.csv`, … and `x-zhijiao-schoolGroups.csv`); others are ignored.
/// Absent files count as empty. On any problem, every problem found is returned and no roster.
pub fn read(files: &[InputFile]) -> Result<Roster, ImportErrors> {
    let mut reader = Reader::default();
    let texts = reader.decode(files);
    let tables = Tables {
        manifest: reader.table(MANIFEST, &texts, &["propertyName", "value"]),
        orgs: reader.table(ORGS, &texts, &["sourcedId", "name", "type", "identifier", "parentSourcedId"]),
        groups: reader.table(GROUPS, &texts, GROUPS_HEADER),
        sessions: reader.table(SESSIONS, &texts, &["sourcedId", "title", "type", "startDate", "endDate", "schoolYear"]),
        courses: reader.table(COURSES, &texts, &["sourcedId", "title", "grades", "orgSourcedId"]),
        classes: reader.table(
            CLASSES,
            &texts,
            &["sourcedId", "title", "grades", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"],
        ),
        users: reader.table(USERS, &texts, &["sourcedId", "givenName", "familyName", "identifier"]),
        roles: reader.table(ROLES, &texts, &["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"]),
        enrollments: reader.table(
            ENROLLMENTS,
            &texts,
            &["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
        ),
        demographics: reader.table(DEMOGRAPHICS, &texts, &["sourcedId", "birthDate", "sex"]),
    };
    // Without their required columns the rows of a file cannot be read, and every reference into it
    // would be reported as missing: report the header problems alone.
    if reader.errors.is_empty() {
        reader.manifest(&tables.manifest, &texts);
        let roster = reader.roster(&tables);
        if let Err(domain_errors) = roster.validate() {
            reader.map_domain_errors(domain_errors, &roster);
        }
        if reader.errors.is_empty() {
            return Ok(roster);
        }
    }
    let mut errors = reader.errors;
    errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Err(ImportErrors { errors })
}

/// The files this reader understands.
const KNOWN_FILES: &[&str] =
    &[MANIFEST, ORGS, GROUPS, SESSIONS, COURSES, CLASSES, USERS, ROLES, ENROLLMENTS, DEMOGRAPHICS];

/// A CSV file's rows, with its columns found by name.
struct Table {
    file: &'static str,
    columns: HashMap<String, usize>,
    rows: Vec<Row>,
}

struct Row {
    line: usize,
    record: csv::StringRecord,
}

impl Table {
    fn cells<'a>(&'a self, row: &'a Row) -> Cells<'a> {
        Cells { table: self, row }
    }

    fn iter(&self) -> impl Iterator<Item = Cells<'_>> {
        self.rows.iter().map(|r| self.cells(r))
    }
}

/// One row of a table, read by column name.
#[derive(Clone, Copy)]
struct Cells<'a> {
    table: &'a Table,
    row: &'a Row,
}

impl<'a> Cells<'a> {
    /// The value of a column; empty when the column is not in the file.
    fn get(&self, column: &str) -> &'a str {
        self.table.columns.get(column).and_then(|i| self.row.record.get(*i)).unwrap_or("")
    }

    fn file(&self) -> &'static str {
        self.table.file
    }

    fn line(&self) -> usize {
        self.row.line
    }
}

struct Tables {
    manifest: Table,
    orgs: Table,
    groups: Table,
    sessions: Table,
    courses: Table,
    classes: Table,
    users: Table,
    roles: Table,
    enrollments: Table,
    demographics: Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrgKind {
    Region,
    School,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserKind {
    Teacher,
    Student,
    Guardian,
}

impl UserKind {
    fn label(self) -> &'static str {
        match self {
            UserKind::Teacher => "teacher",
            UserKind::Student => "student",
            UserKind::Guardian => "guardian",
        }
    }
}

/// A users.csv row, read before roles.csv says what kind of user it is.
struct UserRow<'a> {
    id: &'a str,
    cells: Cells<'a>,
    name: String,
    id_number: Option<String>,
    phone: Option<String>,
    agents: Vec<&'a str>,
    grades: Vec<u8>,
}

/// What roles.csv says of a user.
struct RoleRow {
    kind: UserKind,
    org: String,
    line: usize,
}

/// What demographics.csv says of a user.
struct Demographics {
    birth_date: Option<NaiveDate>,
    gender: Option<Gender>,
}

/// Where a record of the roster came from, to put domain errors back on their line.
type Locations = HashMap<(&'static str, String), (&'static str, usize)>;

#[derive(Default)]
struct Reader {
    errors: Vec<RowError>,
    /// Ids of rows that were refused: references to them are not reported again as missing.
    rejected: HashSet<String>,
    locations: Locations,
}

impl Reader {
    fn err(&mut self, file: &str, line: usize, column: Option<&str>, reason: impl Into<String>) {
        self.errors.push(RowError {
            file: file.to_owned(),
            line,
            column: column.map(str::to_owned),
            reason: reason.into(),
        });
    }

    fn cell_err(&mut self, c: Cells<'_>, column: &str, reason: impl Into<String>) {
        self.err(c.file(), c.line(), Some(column), reason);
    }

    /// Decodes every file this reader understands, keyed by its canonical name.
    fn decode(&mut self, files: &[InputFile]) -> HashMap<&'static str, String> {
        let mut texts = HashMap::new();
        for f in files {
            let base = f.base_name();
            let Some(known) = KNOWN_FILES.iter().find(|k| k.eq_ignore_ascii_case(base)) else { continue };
            if texts.contains_key(known) {
                self.err(base, 0, None, "is given twice");
                continue;
            }
            match crate::decode_text(base, &f.bytes) {
                Ok(text) => {
                    texts.insert(*known, text.into_owned());
                }
                Err(_) => {
                    self.err(base, 0, None, "is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 and try again")
                }
            }
        }
        texts
    }

    /// Parses a CSV file and checks its header has the required columns. An absent file is empty.
    fn table(&mut self, file: &'static str, texts: &HashMap<&'static str, String>, required: &[&str]) -> Table {
        let mut table = Table { file, columns: HashMap::new(), rows: Vec::new() };
        let Some(text) = texts.get(file) else { return table };
        let mut csv = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
        match csv.headers() {
            Ok(headers) => {
                for (i, name) in headers.iter().enumerate() {
                    if table.columns.insert(name.trim().to_owned(), i).is_some() {
                        self.err(file, 1, Some(name.trim()), "column appears twice in the header");
                    }
                }
            }
            Err(e) => self.csv_err(file, &e),
        }
        for column in required {
            if !table.columns.contains_key(*column) {
                self.err(file, 1, Some(column), "required column is missing from the header");
            }
        }
        for record in csv.records() {
            match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    table.rows.push(Row { line, record });
                }
                Err(e) => self.csv_err(file, &e),
            }
        }
        table
    }

    fn csv_err(&mut self, file: &str, e: &csv::Error) {
        let line = e.position().map_or(0, |p| p.line() as usize);
        let reason = match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("has {len} fields but the header has {expected_len}")
            }
            _ => e.to_string(),
        };
        self.err(file, line, None, reason);
    }

    /// Checks the manifest, when there is one, against the files given.
    fn manifest(&mut self, manifest: &Table, texts: &HashMap<&'static str, String>) {
        for c in manifest.iter() {
            let (property, value) = (c.get("propertyName").trim(), c.get("value").trim());
            if property == "oneroster.version" && value != "1.2" {
                self.cell_err(c, "value", format!("OneRoster version `{value}` is not supported; export version 1.2"));
            }
            let Some(name) = property.strip_prefix("file.") else { continue };
            let file = format!("{name}.csv");
            // Only the files this reader uses are checked; the others are ignored whatever they say.
            let Some(known) = KNOWN_FILES.iter().find(|k| **k == file) else { continue };
            let given = texts.contains_key(known);
            match value {
                "bulk" if !given => self.cell_err(c, "value", format!("the manifest lists {file} but it is missing")),
                "absent" if given => {
                    self.cell_err(c, "value", format!("the manifest says {file} is absent but it is given"))
                }
                "bulk" | "absent" => {}
                "delta" => self.cell_err(c, "value", "delta files are not supported yet; export a bulk file set"),
                other => self.cell_err(c, "value", format!("unknown file mode `{other}`; expected bulk or absent")),
            }
        }
    }

    /// Reads the common start of a row: a unique, non-empty `sourcedId` and a bulk `status`.
    fn start_row<'a>(&mut self, c: Cells<'a>, seen: &mut HashMap<&'a str, usize>) -> Option<&'a str> {
        let id = c.get("sourcedId");
        let before = self.errors.len();
        match c.get("status").trim() {
            "" | "active" => {}
            "tobedeleted" => self.cell_err(
                c,
                "status",
                "`tobedeleted` rows belong to delta files, which are not supported yet; export a bulk file set",
            ),
            other => self.cell_err(c, "status", format!("unknown status `{other}`; expected active or empty")),
        }
        if id.trim().is_empty() {
            self.cell_err(c, "sourcedId", "must not be empty");
            return None;
        }
        if let Some(first) = seen.get(id) {
            self.cell_err(c, "sourcedId", format!("duplicate sourcedId `{id}` (first on line {first})"));
            return None;
        }
        seen.insert(id, c.line());
        if self.errors.len() > before {
            self.rejected.insert(id.to_owned());
            return None;
        }
        Some(id)
    }

    fn required<'a>(&mut self, c: Cells<'a>, column: &str) -> Option<&'a str> {
        let value = c.get(column);
        if value.trim().is_empty() {
            self.cell_err(c, column, "must not be empty");
            None
        } else {
            Some(value)
        }
    }

    /// Parses a coded value (a domain enumeration) and names the accepted codes when it fails.
    fn code<T: Copy>(
        &mut self,
        c: Cells<'_>,
        column: &str,
        parse: fn(&str) -> Result<T, DomainError>,
        all: &[T],
        code: fn(T) -> &'static str,
    ) -> Option<T> {
        let value = self.required(c, column)?;
        match parse(value) {
            Ok(v) => Some(v),
            Err(_) => {
                let codes: Vec<&str> = all.iter().map(|v| code(*v)).collect();
                self.cell_err(c, column, format!("unknown value `{value}`; expected one of {}", codes.join(", ")));
                None
            }
        }
    }

    fn date(&mut self, c: Cells<'_>, column: &str) -> Option<NaiveDate> {
        let value = self.required(c, column)?;
        self.parse_date(c, column, value)
    }

    fn parse_date(&mut self, c: Cells<'_>, column: &str, value: &str) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.cell_err(c, column, format!("`{value}` is not a date of the form YYYY-MM-DD"));
                None
            }
        }
    }

    /// Parses a comma-separated list of OneRoster grade codes; Zhijiao knows grades 01 to 12.
    fn grades(&mut self, c: Cells<'_>, column: &str) -> Option<Vec<u8>> {
        let mut grades = Vec::new();
        for code in list(c.get(column), ',') {
            match code.parse::<u8>() {
                Ok(g) if code.len() == 2 && (1..=12).contains(&g) => grades.push(g),
                _ => {
                    self.cell_err(c, column, format!("`{code}` is not a grade code 01 to 12"));
                    return None;
                }
            }
        }
        Some(grades)
    }

    /// Reads a column that must hold exactly one grade code.
    fn one_grade(&mut self, c: Cells<'_>, column: &str) -> Option<u8> {
        self.required(c, column)?;
        match self.grades(c, column)?.as_slice() {
            [grade] => Some(*grade),
            _ => {
                self.cell_err(c, column, "must hold exactly one grade");
                None
            }
        }
    }

    /// Reports a reference to an id that is not where it should be, unless that row was refused.
    fn dangling(&mut self, c: Cells<'_>, column: &str, id: &str, file: &str) {
        if !self.rejected.contains(id) {
            self.cell_err(c, column, format!("`{id}` is not in {file}"));
        }
    }

    fn org_ref(&mut self, c: Cells<'_>, column: &str, id: &str, orgs: &HashMap<&str, OrgKind>, want: OrgKind) -> bool {
        match orgs.get(id) {
            Some(kind) if *kind == want => true,
            Some(_) => {
                let (is, not) =
                    if want == OrgKind::School { ("a region", "a school") } else { ("a school", "a region") };
                self.cell_err(c, column, format!("`{id}` is {is}, not {not}"));
                false
            }
            None => {
                self.dangling(c, column, id, ORGS);
                false
            }
        }
    }

    fn locate(&mut self, what: &'static str, id: &str, c: Cells<'_>) {
        self.locations.insert((what, id.to_owned()), (c.file(), c.line()));
    }

    /// Reads every file into a roster, reporting what is wrong along the way.
    fn roster(&mut self, t: &Tables) -> Roster {
        let mut roster = Roster::default();
        let orgs = self.orgs(&t.orgs, &mut roster);
        self.groups(&t.groups, &orgs, &mut roster);
        let sessions = self.sessions(&t.sessions, &mut roster);
        let courses = self.courses(&t.courses, &orgs, &sessions);
        let classes = self.classes(&t.classes, &orgs, &sessions, &courses, &mut roster);
        let users = self.users(&t.users);
        let roles = self.roles(&t.roles, &users, &orgs);
        let kinds: HashMap<&str, UserKind> = roles.iter().map(|(id, r)| (*id, r.kind)).collect();
        let enrolled = self.enrollments(&t.enrollments, &kinds, &classes, &mut roster);
        let demographics = self.demographics(&t.demographics, &users);
        self.people(&users, &roles, &enrolled, &demographics, &classes, &mut roster);
        roster
    }

    fn orgs<'a>(&mut self, table: &'a Table, roster: &mut Roster) -> HashMap<&'a str, OrgKind> {
        let mut seen = HashMap::new();
        let mut kinds = HashMap::new();
        let mut rows = Vec::new();
        for c in table.iter() {
            let Some(id) = self.start_row(c, &mut seen) else { continue };
            let before = self.errors.len();
            let kind = match c.get("type").trim() {
                "state" => Some((OrgKind::Region, Some(RegionLevel::Province))),
                "local" => Some((OrgKind::Region, Some(RegionLevel::City))),
                "district" => Some((OrgKind::Region, Some(RegionLevel::District))),
                "school" => Some((OrgKind::School, None)),
                other => {
                    let expected = "expected state (province), local (city), district or school";
                    self.cell_err(c, "type", format!("unknown org type `{other}`; {expected}"));
                    None
                }
            };
            let name = self.required(c, "name");
            let code = self.required(c, "identifier");
            let (Some((kind, level)), Some(name), Some(code)) = (kind, name, code) else {
                self.rejected.insert(id.to_owned());
                continue;
            };
            kinds.insert(id, kind);
            rows.push((c, id, kind, level, name, code, before));
        }
        for (c, id, kind, level, name, code, before) in rows {
            let parent = c.get("parentSourcedId");
            match (kind, level) {
                (OrgKind::Region, Some(level)) => {
                    if !parent.is_empty() {
                        self.org_ref(c, "parentSourcedId", parent, &kinds, OrgKind::Region);
                    }
                    self.locate("region", id, c);
                    let parent_id = (!parent.is_empty()).then(|| parent.to_owned());
                    roster.regions.push(Region {
                        id: id.to_owned(),
                        parent_id,
                        code: code.to_owned(),
                        name: name.to_owned(),
                        level,
                    });
                }
                _ => {
                    if self.required(c, "parentSourcedId").is_some() {
                        self.org_ref(c, "parentSourcedId", parent, &kinds, OrgKind::Region);
                    }
                    let central = c.get("metadata.zhijiao.centralSchool");
                    if !central.is_empty() {
                        self.org_ref(c, "metadata.zhijiao.centralSchool", central, &kinds, OrgKind::School);
                    }
                    let school_kind = self.code(
                        c,
                        "metadata.zhijiao.schoolKind",
                        SchoolKind::parse,
                        SchoolKind::ALL,
                        SchoolKind::code,
                    );
                    let locality =
                        self.code(c, "metadata.zhijiao.locality", Locality::parse, Locality::ALL, Locality::code);
                    self.locate("school", id, c);
                    if let (Some(kind), Some(locality)) = (school_kind, locality) {
                        roster.schools.push(School {
                            id: id.to_owned(),
                            region_id: parent.to_owned(),
                            code: code.to_owned(),
                            name: name.to_owned(),
                            kind,
                            locality,
                            central_school_id: (!central.is_empty()).then(|| central.to_owned()),
                        });
                    }
                }
            }
            if self.errors.len() > before {
                self.rejected.insert(id.to_owned());
            }
        }
        kinds
    }

    fn groups(&mut self, table: &Table, orgs: &HashMap<&str, OrgKind>, roster: &mut Roster) {
        let mut seen = HashMap::new();
        for c in table.iter() {
            let Some(id) = self.start_row(c, &mut seen) else { continue };
            let name = self.required(c, "name");
            let kind = self.code(c, "kind", GroupKind::parse, GroupKind::ALL, GroupKind::code);
            let lead = self.required(c, "leadSchoolSourcedId");
            if let Some(lead) = lead {
                self.org_ref(c, "leadSchoolSourcedId", lead, orgs, OrgKind::School);
            }
            let members: Vec<String> = list(c.get("memberSourcedIds"), ';').map(str::to_owned).collect();
            for m in &members {
                self.org_ref(c, "memberSourcedIds", m, orgs, OrgKind::School);
            }
            self.locate("school group", id, c);
            if let (Some(name), Some(kind), Some(lead)) = (name, kind, lead) {
                roster.school_groups.push(SchoolGroup {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    kind,
                    lead_school_id: lead.to_owned(),
                    member_school_ids: members,
                });
            }
        }
    }

    fn sessions<'a>(&mut self, table: &'a Table, roster: &mut Roster) -> HashSet<&'a str> {
        let mut seen = HashMap::new();
        let mut ids = HashSet::new();
        for c in table.iter() {
            let Some(id) = self.start_row(c, &mut seen) else { continue };
            let before = self.errors.len();
            match c.get("type").trim() {
                "schoolYear" => {}
                "" => self.cell_err(c, "type", "must not be empty"),
                other => self.cell_err(
                    c,
                    "type",
                    format!("session type `{other}` is not supported yet; Zhijiao imports school years (schoolYear)"),
                ),
            }
            let title = self.required(c, "title");
            let start = self.date(c, "startDate");
            let end = self.date(c, "endDate");
            if let (Some(year), Some(end)) = (self.required(c, "schoolYear"), end) {
                match year.trim().parse::<i32>() {
                    Ok(y) if y == end.year() => {}
                    Ok(_) => self.cell_err(c, "schoolYear", format!("`{year}` is not the year of endDate {end}")),
                    Err(_) => self.cell_err(c, "schoolYear", format!("`{year}` is not a year")),
                }
            }
            ids.insert(id);
            self.locate("school year", id, c);
            match (title, start, end) {
                (Some(title), Some(start_date), Some(end_date)) if self.errors.len() == before => roster
                    .school_years
                    .push(SchoolYear { id: id.to_owned(), name: title.to_owned(), start_date, end_date }),
                _ => {
                    self.rejected.insert(id.to_owned());
                }
            }
        }
        ids
    }

    /// Courses are not kept; they are read to check the classes that refer to them.
    fn courses<'a>(
        &mut self,
        table: &'a Table,
        orgs: &HashMap<&str, OrgKind>,
        sessions: &HashSet<&str>,
    ) -> HashMap<&'a str, (&'a str, Vec<u8>)> {
        let mut seen = HashMap::new();
        let mut courses = HashMap::new();
        for c in table.iter() {
            let Some(id) = self.start_row(c, &mut seen) else { continue };
            let before = self.errors.len();
            self.required(c, "title");
            let grades = self.grades(c, "grades");
            if grades.as_ref().is_some_and(Vec::is_empty) {
                self.cell_err(c, "grades", "must not be empty");
            }
            let org = self.required(c, "orgSourcedId");
            if let Some(org) = org {
                self.org_ref(c, "orgSourcedId", org, orgs, OrgKind::School);
            }
            let year = c.get("schoolYearSourcedId");
            if !year.is_empty() && !sessions.contains(year) {
                self.dangling(c, "schoolYearSourcedId", year, SESSIONS);
            }
            if let (Some(org), Some(grades)) = (org, grades) {
                courses.insert(id, (org, grades));
            }
            if self.errors.len() > before {
                self.rejected.insert(id.to_owned());
            }
        }
        courses
    }

    fn classes<'a>(
        &mut self,
        table: &'a Table,
        orgs: &HashMap<&str, OrgKind>,
        sessions: &HashSet<&str>,
        courses: &HashMap<&str, (&str, Vec<u8>)>,
        roster: &mut Roster,
    ) -> HashMap<&'a str, (u8, &'a str)> {
        let mut seen = HashMap::new();
        let mut classes = HashMap::new();
        for c in table.iter() {
            let Some(id) = self.start_row(c, &mut seen) else { continue };
            let title = self.required(c, "title");
            let grade = self.one_grade(c, "grades");
            match c.get("classType").trim() {
                "homeroom" => {}
                "" => self.cell_err(c, "classType", "must not be empty"),
                other => self.cell_err(
                    c,
                    "classType",
                    format!("class type `{other}` is not supported yet; Zhijiao imports homeroom classes (班级)"),
                ),
            }
            let school = self.required(c, "schoolSourcedId");
            if let Some(school) = school {
                self.org_ref(c, "schoolSourcedId", school, orgs, OrgKind::School);
            }
            if let Some(course) = self.required(c, "courseSourcedId") {
                match courses.get(course) {
                    None => self.dangling(c, "courseSourcedId", course, COURSES),
                    Some((org, _)) if school.is_some_and(|s| s != *org) => {
                        self.cell_err(c, "courseSourcedId", format!("course `{course}` belongs to school `{org}`"))
                    }
                    Some((_, grades)) if grade.is_some_and(|g| !grades.contains(&g)) => self.cell_err(
                        c,
                        "courseSourcedId",
                        format!("course `{course}` is not for grade {}", grade_code(grade.unwrap_or_default())),
                    ),
                    Some(_) => {}
                }
            }
            let terms: Vec<&str> = list(c.get("termSourcedIds"), ',').collect();
            let year = match terms.as_slice() {
                [] => {
                    self.cell_err(c, "termSourcedIds", "must not be empty");
                    None
                }
                [year] => {
                    if !sessions.contains(year) {
                        self.dangling(c, "termSourcedIds", year, SESSIONS);
                    }
                    Some(*year)
                }
                _ => {
                    self.cell_err(c, "termSourcedIds", "must hold exactly one school year");
                    None
                }
            };
            self.locate("class", id, c);
            if let (Some(name), Some(grade), Some(school), Some(year)) = (title, grade, school, year) {
                classes.insert(id, (grade, school));
                roster.classes.push(Class {
                    id: id.to_owned(),
                    school_id: school.to_owned(),
                    school_year_id: year.to_owned(),
                    grade,
                    name: name.to_owned(),
                    head_teacher_id: None,
                });
            } else {
                self.rejected.insert(id.to_owned());
            }
        }
        classes
    }

    fn users<'a>(&mut self, table: &'a Table) -> Vec<UserRow<'a>> {
        let mut seen = HashMap::new();
        let mut users = Vec::new();
        for c in table.iter() {
            let Some(id) = self.start_row(c, &mut seen) else { continue };
            let before = self.errors.len();
            match c.get("enabledUser").trim() {
                "" | "true" => {}
                "false" => self.cell_err(
                    c,
                    "enabledUser",
                    "disabled users are not supported yet; remove the row or enable the user",
                ),
                other => self.cell_err(c, "enabledUser", format!("`{other}` is not true or false")),
            }
            let given = self.required(c, "givenName");
            let family = c.get("familyName");
            if family.is_empty() && given.is_some_and(|g| g.chars().count() > 1) {
                // An empty family name only comes from a one-character name; anything longer is a
                // row whose family name was forgotten.
                self.cell_err(c, "familyName", "must not be empty");
            }
            let id_number = self.user_ids(c);
            let grades = self.grades(c, "grades");
            let phone = c.get("phone");
            let user = UserRow {
                id,
                cells: c,
                name: format!("{family}{}", given.unwrap_or_default()),
                id_number,
                phone: (!phone.is_empty()).then(|| phone.to_owned()),
                agents: list(c.get("agentSourcedIds"), ',').collect(),
                grades: grades.unwrap_or_default(),
            };
            if self.errors.len() > before {
                self.rejected.insert(id.to_owned());
            } else {
                users.push(user);
            }
        }
        users
    }

    /// Reads `userIds` (`{type:id},{type:id}`), keeping the 居民身份证号 (`cn_resident_id`).
    fn user_ids(&mut self, c: Cells<'_>) -> Option<String> {
        let mut id_number = None;
        for entry in list(c.get("userIds"), ',') {
            let Some((kind, value)) =
                entry.strip_prefix('{').and_then(|e| e.strip_suffix('}')).and_then(|e| e.split_once(':'))
            else {
                self.cell_err(c, "userIds", format!("`{entry}` is not of the form {{type:id}}"));
                continue;
            };
            if kind.trim() != "cn_resident_id" {
                continue;
            }
            let value = value.trim();
            if id_number.is_some() {
                self.cell_err(c, "userIds", "holds more than one cn_resident_id");
            } else if let Err(e) = domain::people::validate_id_number(value) {
                self.cell_err(c, "userIds", e.to_string());
            } else {
                id_number = Some(value.to_owned());
            }
        }
        id_number
    }

    fn roles<'a>(
        &mut self,
        table: &'a Table,
        users: &[UserRow<'a>],
        orgs: &HashMap<&str, OrgKind>,
    ) -> HashMap<&'a str, RoleRow> {
        let known: HashSet<&str> = users.iter().map(|u| u.id).collect();
        let mut seen = HashMap::new();
        let mut roles: HashMap<&'a str, RoleRow> = HashMap::new();
        for c in table.iter() {
            if self.start_row(c, &mut seen).is_none() {
                self.rejected.insert(c.get("userSourcedId").to_owned());
                continue;
            }
            let before = self.errors.len();
            match c.get("roleType").trim() {
                "primary" | "secondary" => {}
                other => self.cell_err(c, "roleType", format!("unknown role type `{other}`; expected primary")),
            }
            let kind = match c.get("role").trim() {
                "teacher" => Some(UserKind::Teacher),
                "student" => Some(UserKind::Student),
                "guardian" | "parent" | "relative" => Some(UserKind::Guardian),
                "" => {
                    self.cell_err(c, "role", "must not be empty");
                    None
                }
                other => {
                    let expected = "Zhijiao imports teacher, student and guardian (parent, relative)";
                    self.cell_err(c, "role", format!("role `{other}` is not supported yet; {expected}"));
                    None
                }
            };
            let org = self.required(c, "orgSourcedId");
            if let (Some(org), Some(kind)) = (org, kind) {
                match kind {
                    UserKind::Guardian if !orgs.contains_key(org) => self.dangling(c, "orgSourcedId", org, ORGS),
                    UserKind::Guardian => {}
                    _ => {
                        self.org_ref(c, "orgSourcedId", org, orgs, OrgKind::School);
                    }
                }
            }
            let Some(user) = self.required(c, "userSourcedId") else { continue };
            if !known.contains(user) {
                self.dangling(c, "userSourcedId", user, USERS);
                continue;
            }
            if let Some(first) = roles.get(user) {
                let reason =
                    format!("user `{user}` already has a role on line {}; one role per user is supported", first.line);
                self.cell_err(c, "userSourcedId", reason);
                continue;
            }
            match (org, kind) {
                (Some(org), Some(kind)) if self.errors.len() == before => {
                    roles.insert(user, RoleRow { kind, org: org.to_owned(), line: c.line() });
                }
                // The user's problem is reported here; do not report them again as having no role.
                _ => {
                    self.rejected.insert(user.to_owned());
                }
            }
        }
        roles
    }

    /// Reads enrollments: sets classes' head teachers and adds teaching assignments; returns each
    /// student's class.
    fn enrollments<'a>(
        &mut self,
        table: &'a Table,
        kinds: &HashMap<&str, UserKind>,
        classes: &HashMap<&str, (u8, &str)>,
        roster: &mut Roster,
    ) -> HashMap<&'a str, (&'a str, usize)> {
        let mut seen = HashMap::new();
        let mut student_class: HashMap<&'a str, (&'a str, usize)> = HashMap::new();
        let mut heads: HashMap<&str, (&str, usize)> = HashMap::new();
        let mut assignments: HashMap<(&str, &str, Subject), usize> = HashMap::new();
        for c in table.iter() {
            if self.start_row(c, &mut seen).is_none() {
                self.rejected.insert(c.get("userSourcedId").to_owned());
                continue;
            }
            let before = self.errors.len();
            let class = self.required(c, "classSourcedId");
            if let Some(class) = class {
                match classes.get(class) {
                    None => self.dangling(c, "classSourcedId", class, CLASSES),
                    Some((_, school)) => {
                        let given = c.get("schoolSourcedId");
                        if given != *school {
                            self.cell_err(
                                c,
                                "schoolSourcedId",
                                format!("class `{class}` belongs to school `{school}`"),
                            );
                        }
                    }
                }
            }
            let user = self.required(c, "userSourcedId");
            let kind = user.and_then(|u| {
                let kind = kinds.get(u).copied();
                if kind.is_none() {
                    self.dangling(c, "userSourcedId", u, USERS);
                }
                kind
            });
            let role = match c.get("role").trim() {
                "student" => Some(UserKind::Student),
                "teacher" => Some(UserKind::Teacher),
                other => {
                    let reason = format!("enrollment role `{other}` is not supported; expected student or teacher");
                    self.cell_err(c, "role", reason);
                    None
                }
            };
            if let (Some(user), Some(kind), Some(role)) = (user, kind, role)
                && kind != role
            {
                self.cell_err(c, "role", format!("user `{user}` is a {} in roles.csv", kind.label()));
            }
            let primary = match c.get("primary").trim() {
                "" | "false" => false,
                "true" => true,
                other => {
                    self.cell_err(c, "primary", format!("`{other}` is not true or false"));
                    false
                }
            };
            let subject_code = c.get("metadata.zhijiao.subject");
            let subject = if role == Some(UserKind::Teacher) && (!primary || !subject_code.trim().is_empty()) {
                self.code(c, "metadata.zhijiao.subject", Subject::parse, Subject::ALL, Subject::code)
            } else {
                None
            };
            let (Some(class), Some(user)) = (class, user) else { continue };
            if self.errors.len() > before {
                // The student's enrollment problem is reported here; do not report them again as
                // enrolled nowhere.
                self.rejected.insert(user.to_owned());
                continue;
            }
            match role {
                Some(UserKind::Student) => match student_class.get(user) {
                    Some((other, line)) => self.cell_err(
                        c,
                        "userSourcedId",
                        format!("student `{user}` is already enrolled in class `{other}` on line {line}; a student has one class"),
                    ),
                    None => {
                        student_class.insert(user, (class, c.line()));
                    }
                },
                Some(UserKind::Teacher) => {
                    if primary {
                        match heads.get(class) {
                            Some((other, line)) => self.cell_err(
                                c,
                                "primary",
                                format!("class `{class}` already has head teacher `{other}` on line {line}"),
                            ),
                            None => {
                                heads.insert(class, (user, c.line()));
                            }
                        }
                    }
                    if let Some(subject) = subject {
                        if let Some(line) = assignments.get(&(user, class, subject)) {
                            self.cell_err(
                                c,
                                "metadata.zhijiao.subject",
                                format!("teacher `{user}` already teaches {} in class `{class}` on line {line}", subject.code()),
                            );
                            continue;
                        }
                        assignments.insert((user, class, subject), c.line());
                        let id = format!("{user}/{class}/{}", subject.code());
                        self.locate("teaching assignment", &id, c);
                        roster.teaching_assignments.push(TeachingAssignment {
                            teacher_id: user.to_owned(),
                            class_id: class.to_owned(),
                            subject,
                        });
                    }
                }
                _ => {}
            }
        }
        for class in &mut roster.classes {
            class.head_teacher_id = heads.get(class.id.as_str()).map(|(t, _)| (*t).to_owned());
        }
        student_class
    }

    fn demographics<'a>(&mut self, table: &'a Table, users: &[UserRow<'_>]) -> HashMap<&'a str, Demographics> {
        let known: HashSet<&str> = users.iter().map(|u| u.id).collect();
        let mut seen = HashMap::new();
        let mut out = HashMap::new();
        for c in table.iter() {
            let Some(id) = self.start_row(c, &mut seen) else { continue };
            let before = self.errors.len();
            if !known.contains(id) {
                self.dangling(c, "sourcedId", id, USERS);
                continue;
            }
            let birth = c.get("birthDate");
            let birth_date = if birth.trim().is_empty() { None } else { self.parse_date(c, "birthDate", birth) };
            let gender = match c.get("sex").trim() {
                "" => None,
                "other" | "unspecified" => {
                    self.cell_err(
                        c,
                        "sex",
                        "the student register records male or female; `other` and `unspecified` cannot be imported",
                    );
                    None
                }
                _ => self.code(c, "sex", Gender::parse, Gender::ALL, Gender::code),
            };
            if self.errors.len() > before {
                self.rejected.insert(id.to_owned());
            }
            out.insert(id, Demographics { birth_date, gender });
        }
        out
    }

    /// Turns users into teachers, students and guardians, now that their roles, classes and
    /// demographics are known.
    fn people(
        &mut self,
        users: &[UserRow<'_>],
        roles: &HashMap<&str, RoleRow>,
        enrolled: &HashMap<&str, (&str, usize)>,
        demographics: &HashMap<&str, Demographics>,
        classes: &HashMap<&str, (u8, &str)>,
        roster: &mut Roster,
    ) {
        let kind_of = |id: &str| roles.get(id).map(|r| r.kind);
        // Links a student gives that their guardian does not: kept, as relation `other`.
        let mut extra_links: HashMap<&str, Vec<&str>> = HashMap::new();
        for u in users {
            let c = u.cells;
            let Some(role) = roles.get(u.id) else {
                if !self.rejected.contains(u.id) {
                    self.err(c.file(), c.line(), None, "has no row in roles.csv; every user needs a role");
                }
                continue;
            };
            let primary_org = c.get("primaryOrgSourcedId");
            if role.kind != UserKind::Guardian && !primary_org.is_empty() && primary_org != role.org {
                let reason =
                    format!("`{primary_org}` differs from the school `{}` of roles.csv line {}", role.org, role.line);
                self.cell_err(c, "primaryOrgSourcedId", reason);
            }
            let gender = demographics.get(u.id).and_then(|d| d.gender);
            let needs_gender = |this: &mut Self| {
                if !this.rejected.contains(u.id) {
                    this.err(
                        c.file(),
                        c.line(),
                        None,
                        "has no sex in demographics.csv; teachers and students need one",
                    );
                }
            };
            match role.kind {
                UserKind::Teacher => {
                    self.locate("teacher", u.id, c);
                    let tier = if c.get("metadata.zhijiao.tier").trim().is_empty() {
                        Some(GrowthTier::Novice)
                    } else {
                        self.code(c, "metadata.zhijiao.tier", GrowthTier::parse, GrowthTier::ALL, GrowthTier::code)
                    };
                    let mut subjects = Vec::new();
                    for code in list(c.get("metadata.zhijiao.subjects"), ';') {
                        match Subject::parse(code) {
                            Ok(s) => subjects.push(s),
                            Err(_) => {
                                let codes: Vec<&str> = Subject::ALL.iter().map(|s| s.code()).collect();
                                let reason = format!("unknown subject `{code}`; expected {}", codes.join(", "));
                                self.cell_err(c, "metadata.zhijiao.subjects", reason);
                            }
                        }
                    }
                    if gender.is_none() {
                        needs_gender(self);
                    }
                    if let (Some(gender), Some(tier)) = (gender, tier) {
                        roster.teachers.push(Teacher {
                            id: u.id.to_owned(),
                            school_id: role.org.clone(),
                            name: u.name.clone(),
                            gender,
                            id_number: u.id_number.clone(),
                            phone: u.phone.clone(),
                            tier,
                            subjects,
                        });
                    }
                }
                UserKind::Student => {
                    self.locate("student", u.id, c);
                    let number = self.required(c, "identifier");
                    let class = enrolled.get(u.id).map(|(class, _)| *class);
                    if class.is_none() && !self.rejected.contains(u.id) {
                        self.err(c.file(), c.line(), None, "is not enrolled in any class in enrollments.csv");
                    }
                    if let Some(class) = class
                        && let Some((grade, _)) = classes.get(class)
                        && !u.grades.is_empty()
                        && u.grades != [*grade]
                    {
                        let reason = format!("class `{class}` is grade {}", grade_code(*grade));
                        self.cell_err(c, "grades", reason);
                    }
                    for agent in &u.agents {
                        match kind_of(agent) {
                            Some(UserKind::Guardian) => extra_links.entry(*agent).or_default().push(u.id),
                            Some(other) => self.cell_err(
                                c,
                                "agentSourcedIds",
                                format!("`{agent}` is a {}, not a guardian", other.label()),
                            ),
                            None => self.dangling(c, "agentSourcedIds", agent, USERS),
                        }
                    }
                    if gender.is_none() {
                        needs_gender(self);
                    }
                    if let (Some(number), Some(class), Some(gender)) = (number, class, gender) {
                        roster.students.push(Student {
                            id: u.id.to_owned(),
                            school_id: role.org.clone(),
                            class_id: class.to_owned(),
                            name: u.name.clone(),
                            gender,
                            student_number: number.to_owned(),
                            id_number: u.id_number.clone(),
                            birth_date: demographics.get(u.id).and_then(|d| d.birth_date),
                        });
                    }
                }
                UserKind::Guardian => {
                    self.locate("guardian", u.id, c);
                    let links = self.guardian_links(u, &kind_of);
                    roster.guardians.push(Guardian {
                        id: u.id.to_owned(),
                        name: u.name.clone(),
                        phone: u.phone.clone(),
                        students: links,
                    });
                }
            }
        }
        for g in &mut roster.guardians {
            for student in extra_links.remove(g.id.as_str()).unwrap_or_default() {
                if !g.students.iter().any(|l| l.student_id == student) {
                    g.students.push(GuardianLink { student_id: student.to_owned(), relation: Relation::Other });
                }
            }
        }
    }

    /// A guardian's links: `agentSourcedIds` gives the students, `metadata.zhijiao.relations` how the
    /// guardian is related to each.
    fn guardian_links(&mut self, u: &UserRow<'_>, kind_of: &dyn Fn(&str) -> Option<UserKind>) -> Vec<GuardianLink> {
        let c = u.cells;
        let column = "metadata.zhijiao.relations";
        let mut relations: Vec<(&str, Relation, bool)> = Vec::new();
        for entry in list(c.get(column), ';') {
            let Some((student, relation)) = entry.split_once(':') else {
                self.cell_err(c, column, format!("`{entry}` is not of the form studentId:relation"));
                continue;
            };
            match Relation::parse(relation) {
                Ok(r) => relations.push((student.trim(), r, false)),
                Err(_) => {
                    let codes: Vec<&str> = Relation::ALL.iter().map(|r| r.code()).collect();
                    let reason = format!("unknown relation `{relation}`; expected one of {}", codes.join(", "));
                    self.cell_err(c, column, reason);
                }
            }
        }
        let mut links = Vec::new();
        for agent in &u.agents {
            match kind_of(agent) {
                Some(UserKind::Student) => {}
                Some(other) => {
                    self.cell_err(c, "agentSourcedIds", format!("`{agent}` is a {}, not a student", other.label()));
                    continue;
                }
                None => {
                    self.dangling(c, "agentSourcedIds", agent, USERS);
                    continue;
                }
            }
            // Take the first relation given for this student that no earlier link used.
            let relation = relations.iter_mut().find(|(s, _, used)| s == agent && !used).map(|entry| {
                entry.2 = true;
                entry.1
            });
            links.push(GuardianLink { student_id: (*agent).to_owned(), relation: relation.unwrap_or(Relation::Other) });
        }
        for (student, _, used) in &relations {
            // A student whose row was refused has been reported already; so has a missing one.
            if !used && !self.rejected.contains(*student) && u.agents.iter().all(|a| a != student) {
                self.cell_err(c, column, format!("student `{student}` is not in agentSourcedIds"));
            }
        }
        links
    }

    /// Puts each error of [`Roster::validate`] back on the file and line of the record it concerns.
    ///
    /// An error on a line that already has one is dropped (it is the same problem seen twice), and so is
    /// a missing reference to a row that was refused (already reported on that row).
    fn map_domain_errors(&mut self, errors: Vec<DomainError>, roster: &Roster) {
        let flagged: HashSet<(String, usize)> = self.errors.iter().map(|e| (e.file.clone(), e.line)).collect();
        for e in errors {
            let (what, id, column) = match &e {
                DomainError::DanglingReference { target_id, .. } if self.rejected.contains(target_id) => continue,
                DomainError::DanglingReference { what, id, target, target_id } => {
                    (*what, id.as_str(), reference_column(what, target, target_id, id, roster))
                }
                DomainError::Invalid { what, id, .. } => (*what, id.as_str(), invalid_column(what)),
                DomainError::DuplicateId { what, id } => (*what, id.as_str(), Some("sourcedId")),
                DomainError::UnknownCode { what, .. } => (*what, "", None),
            };
            let (file, line) = self.locations.get(&(what, id.to_owned())).copied().unwrap_or(("roster", 0));
            if !flagged.contains(&(file.to_owned(), line)) || line == 0 {
                self.err(file, line, column, e.to_string());
            }
        }
    }
}

/// The column a dangling reference reported by [`Roster::validate`] comes from.
fn reference_column(what: &str, target: &str, target_id: &str, id: &str, roster: &Roster) -> Option<&'static str> {
    Some(match (what, target) {
        ("region", _) | ("school", "region") => "parentSourcedId",
        ("school", _) => "metadata.zhijiao.centralSchool",
        ("school group", _) => {
            let lead = roster.school_groups.iter().any(|g| g.id == id && g.lead_school_id == target_id);
            if lead { "leadSchoolSourcedId" } else { "memberSourcedIds" }
        }
        ("class", "school year") => "termSourcedIds",
        ("class", "school") => "schoolSourcedId",
        ("teacher" | "student", "school") => "primaryOrgSourcedId",
        ("guardian", _) => "agentSourcedIds",
        ("teaching assignment", "teacher") => "userSourcedId",
        ("teaching assignment", "class") => "classSourcedId",
        _ => return None,
    })
}

/// The column a rule broken in [`Roster::validate`] is about.
fn invalid_column(what: &str) -> Option<&'static str> {
    match what {
        "region" => Some("parentSourcedId"),
        "school" => Some("metadata.zhijiao.centralSchool"),
        "school year" => Some("endDate"),
        "class" => Some("grades"),
        _ => None,
    }
}

/// The non-empty, trimmed items of a separated list.
fn list(value: &str, separator: char) -> impl Iterator<Item = &str> {
    value.split(separator).map(str::trim).filter(|s| !s.is_empty())
}
