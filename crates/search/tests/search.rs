//! The search index end to end: generated and hand-written exercises and resources, in memory
//! and on disk, checked against what a teacher expects to find (and must not find).
#![allow(clippy::unwrap_used, reason = "the helpers below are test code: a panic there is a failed test")]

use std::collections::HashMap;
use std::path::Path;

use domain::items::{AnswerKey, Choice, Item, ItemType};
use domain::{Stage, Subject};
use search::{DocKind, Filters, Query, SearchDoc, SearchError, SearchIndex, SearchResults, Sort, Viewer, Visibility};

const GENERATED: usize = 400;

fn item(id: &str, source_id: Option<&str>, stem: &str, subject: Subject, grade: u8) -> Item {
    Item {
        id: id.into(),
        source: source_id.map(|_| "ape210k".into()),
        source_id: source_id.map(Into::into),
        item_type: ItemType::SingleChoice,
        stem: stem.into(),
        choices: ["12", "15", "18", "20"]
            .iter()
            .zip(["A", "B", "C", "D"])
            .map(|(c, l)| Choice { label: l.into(), content: (*c).into() })
            .collect(),
        answer: AnswerKey::Choices(vec!["A".into()]),
        analysis: "略".into(),
        stage: Stage::of_grade(grade),
        grade: Some(grade),
        subject: Some(subject),
        knowledge_points: vec!["kp-test".into()],
        difficulty: Some(3),
        seconds: 60,
        points: None,
        tags: Vec::new(),
    }
}

fn resource(id: &str, title: &str, description: &str, visibility: Visibility, uses: u64) -> SearchDoc {
    SearchDoc {
        kind: DocKind::Resource,
        id: id.into(),
        source_id: None,
        title: title.into(),
        body: description.into(),
        stage: Some(Stage::Primary),
        grade: Some(3),
        subject: Some(Subject::Math),
        edition: Some("ed-pep".into()),
        chapter: Some("node-pep-math-3a-8".into()),
        knowledge_points: vec!["kp-pep-math-3a-020".into()],
        doc_type: "courseware".into(),
        difficulty: None,
        uses,
        visibility,
        updated_at_unix: 1_700_000_000,
    }
}

/// The hand-written documents every test can rely on.
fn handwritten() -> Vec<SearchDoc> {
    let d = Visibility::District;
    vec![
        resource(
            "r-fraction",
            "《分数的初步认识》课件",
            "人教版三年级上册第八单元，几分之一、几分之几。",
            d.clone(),
            40,
        ),
        resource("r-clock", "认识钟表 微课", "整时和半时的认识。", d.clone(), 3),
        SearchDoc::from_item(
            &item("i-set", None, "已知集合A={x|x^2-3x+2=0}，B={1,2,3}，则A∩B=（　　）", Subject::Math, 10),
            d.clone(),
            7,
        ),
        SearchDoc::from_item(
            &item("i-ape", Some("491547"), "学校把135本练习本平均分给3个班，每班多少本？", Subject::Math, 3),
            d.clone(),
            1,
        ),
        // Kangxi radicals as some banks have them: ⼀ ⼆ ⽅ are not 一 二 方.
        SearchDoc::from_item(&item("i-kangxi", None, "解⼀元⼆次⽅程：x^2-5x+6=0", Subject::Math, 9), d.clone(), 2),
        SearchDoc::from_item(&item("i-html", None, "比较大小：3 <b>5</b> & 7，水仙花的花瓣", Subject::Math, 1), d, 0),
    ]
}

fn generated() -> Vec<SearchDoc> {
    demo::bank::items(GENERATED, 11)
        .enumerate()
        .map(|(i, item)| SearchDoc::from_item(&item, Visibility::District, (i % 37) as u64))
        .collect()
}

fn anyone() -> Viewer {
    Viewer::default()
}

fn search(index: &SearchIndex, text: &str) -> SearchResults {
    index.search(&Query::new(text, anyone())).unwrap()
}

fn ids(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.id.as_str()).collect()
}

fn filled() -> (SearchIndex, Vec<SearchDoc>) {
    let index = SearchIndex::in_memory().unwrap();
    let mut docs = generated();
    docs.extend(handwritten());
    index.upsert(&docs).unwrap();
    (index, docs)
}

#[test]
fn a_word_inside_a_title_finds_it() {
    let (index, _) = filled();
    assert_eq!(index.doc_count(), GENERATED as u64 + 6);
    let r = search(&index, "分数");
    let hit = r.hits.iter().find(|h| h.id == "r-fraction").expect("the courseware is found");
    assert_eq!(hit.kind, DocKind::Resource);
    assert_eq!(hit.title, "《分数的初步认识》课件");
    // Part of a word, and a two-word query across title and body.
    assert!(ids(&search(&index, "初步认")).contains(&"r-fraction"));
    let r = search(&index, "分数 几分之一");
    assert_eq!(ids(&r)[0], "r-fraction");
    assert!(r.relaxed, "one complete match does not fill a page: partial matches follow it");
    assert!(ids(&search(&index, "钟表")).contains(&"r-clock"));
}

#[test]
fn a_phrase_copied_from_a_stem_finds_the_exercise() {
    let (index, _) = filled();
    for query in ["已知集合A", "\"平均分给3个班\"", "A∩B", "练习本平均分"] {
        let r = search(&index, query);
        assert!(!r.hits.is_empty(), "{query}: nothing found");
        let want = if query.contains('A') { "i-set" } else { "i-ape" };
        assert_eq!(r.hits[0].id, want, "{query}: {:?}", ids(&r));
    }
    // A quoted phrase must occur as written (punctuation aside): the words in another order do not.
    assert!(search(&index, "\"班个3给分均平\"").hits.is_empty());
    // Kangxi radicals in the stem are folded: the ordinary characters find it.
    assert_eq!(search(&index, "一元二次方程 x^2-5x+6").hits[0].id, "i-kangxi");
}

#[test]
fn a_source_id_finds_its_exercise_first() {
    let (index, _) = filled();
    let r = search(&index, "491547");
    assert_eq!(ids(&r), ["i-ape"]);
    assert_eq!(r.hits[0].source_id.as_deref(), Some("491547"));
    assert_eq!(search(&index, "i-set").hits[0].id, "i-set", "our own id works too");
}

#[test]
fn snippets_mark_the_match_and_escape_the_text() {
    let (index, _) = filled();
    let r = search(&index, "水仙花");
    assert_eq!(r.hits[0].id, "i-html");
    let snippet = &r.hits[0].snippet_html;
    assert!(snippet.contains("<mark>水仙花</mark>"), "{snippet}");
    assert!(snippet.contains("&lt;b&gt;5&lt;/b&gt; &amp; 7"), "{snippet}");
    assert!(!snippet.contains("<b>"), "{snippet}");
    // A hit by source id alone still gets a (plain, escaped) snippet.
    assert!(search(&index, "491547").hits[0].snippet_html.starts_with("学校把135本"));
}

#[test]
fn facets_count_what_the_filters_leave() {
    let (index, docs) = filled();
    let filters = Filters { stage: Some(Stage::Junior), subject: Some(Subject::Math), ..Filters::default() };
    let q = Query { filters: filters.clone(), kind: Some(DocKind::Item), limit: 100, ..Query::new("", anyone()) };
    let r = index.search(&q).unwrap();
    let expected: Vec<&SearchDoc> = docs
        .iter()
        .filter(|d| d.kind == DocKind::Item && d.stage == Some(Stage::Junior) && d.subject == Some(Subject::Math))
        .collect();
    assert!(expected.len() > 10, "the generated bank has junior maths");
    assert_eq!(r.total, expected.len());
    let mut grades: HashMap<u8, u64> = HashMap::new();
    let mut types: HashMap<String, u64> = HashMap::new();
    let mut points: HashMap<String, u64> = HashMap::new();
    for d in &expected {
        *grades.entry(d.grade.unwrap()).or_default() += 1;
        *types.entry(d.doc_type.clone()).or_default() += 1;
        for k in &d.knowledge_points {
            *points.entry(k.clone()).or_default() += 1;
        }
    }
    let got_grades: HashMap<u8, u64> = r.facets.grade.iter().copied().collect();
    assert_eq!(got_grades, grades);
    assert_eq!(r.facets.doc_type.iter().cloned().collect::<HashMap<_, _>>(), types);
    assert_eq!(r.facets.stage, [(Stage::Junior, expected.len() as u64)]);
    assert_eq!(r.facets.subject, [(Subject::Math, expected.len() as u64)]);
    // The most frequent knowledge point is counted right.
    let (top, n) = &r.facets.knowledge_points[0];
    assert_eq!(points[top], *n);
    assert_eq!(*n, *points.values().max().unwrap());
    // Every hit passes the filters.
    let by_id: HashMap<&str, &SearchDoc> = docs.iter().map(|d| (d.id.as_str(), d)).collect();
    for hit in &r.hits {
        assert_eq!(by_id[hit.id.as_str()].stage, Some(Stage::Junior));
    }
    // Counts per kind ignore the kind asked for: no junior maths resource exists.
    assert_eq!(r.counts_by_kind.items, expected.len() as u64);
    assert_eq!(r.counts_by_kind.resources, 0);

    // With text: the resource tab counts the 分数 courseware, the item tab does not list it.
    let q = Query { kind: Some(DocKind::Item), ..Query::new("分数", anyone()) };
    let r = index.search(&q).unwrap();
    assert_eq!(r.counts_by_kind.resources, 1);
    assert!(r.hits.iter().all(|h| h.kind == DocKind::Item));
    // Filters on edition, chapter and knowledge point.
    let q = Query {
        filters: Filters {
            edition: Some("ed-pep".into()),
            chapter: Some("node-pep-math-3a-8".into()),
            ..Filters::default()
        },
        ..Query::new("", anyone())
    };
    assert_eq!(index.search(&q).unwrap().total, 2);
    let q = Query {
        filters: Filters { knowledge_point: Some("kp-test".into()), difficulty: Some(3), ..Filters::default() },
        ..Query::new("", anyone())
    };
    assert_eq!(index.search(&q).unwrap().total, 4);
}

#[test]
fn visibility_keeps_drafts_and_other_schools_apart() {
    let index = SearchIndex::in_memory().unwrap();
    let word = "斐波那契数列";
    index
        .upsert(&[
            resource("district", &format!("{word} 区级"), "", Visibility::District, 0),
            resource("school-1", &format!("{word} 一校"), "", Visibility::School("s1".into()), 0),
            resource("school-2", &format!("{word} 二校"), "", Visibility::School("s2".into()), 0),
            resource("draft-t1", &format!("{word} 草稿"), "", Visibility::Private("t1".into()), 0),
            resource("draft-t2", &format!("{word} 草稿"), "", Visibility::Private("t2".into()), 0),
        ])
        .unwrap();
    let found = |viewer: Viewer| {
        let mut ids: Vec<String> =
            index.search(&Query::new(word, viewer)).unwrap().hits.into_iter().map(|h| h.id).collect();
        ids.sort();
        ids
    };
    let teacher = Viewer { district_wide: false, schools: vec!["s1".into()], account_id: Some("t1".into()) };
    assert_eq!(found(teacher), ["district", "draft-t1", "school-1"]);
    let other = Viewer { district_wide: false, schools: vec!["s2".into()], account_id: Some("t2".into()) };
    assert_eq!(found(other), ["district", "draft-t2", "school-2"]);
    let staff = Viewer { district_wide: true, schools: vec![], account_id: Some("staff".into()) };
    assert_eq!(found(staff), ["district", "school-1", "school-2"]);
    assert_eq!(found(Viewer::default()), ["district"]);
    // Counts respect visibility too.
    let r = index.search(&Query::new(word, Viewer::default())).unwrap();
    assert_eq!((r.total, r.counts_by_kind.resources), (1, 1));
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let (index, _) = filled();
    let before = index.doc_count();
    index.upsert(&[resource("r-clock", "认识人民币 课件", "元角分。", Visibility::District, 3)]).unwrap();
    assert_eq!(index.doc_count(), before);
    assert!(!ids(&search(&index, "钟表")).contains(&"r-clock"));
    assert!(ids(&search(&index, "人民币")).contains(&"r-clock"));
    index.delete(DocKind::Resource, "r-clock").unwrap();
    assert_eq!(index.doc_count(), before - 1);
    assert!(search(&index, "人民币").hits.is_empty());
    // Same id, other kind: an item `r-fraction` does not replace the resource.
    index.delete(DocKind::Item, "r-fraction").unwrap();
    assert!(ids(&search(&index, "分数")).contains(&"r-fraction"));
}

#[test]
fn sorts_by_uses_and_pages() {
    let (index, docs) = filled();
    let q = Query { sort: Sort::Uses, kind: Some(DocKind::Item), limit: 50, ..Query::new("", anyone()) };
    let r = index.search(&q).unwrap();
    let uses: Vec<u64> = r.hits.iter().map(|h| h.uses).collect();
    assert!(uses.windows(2).all(|w| w[0] >= w[1]), "{uses:?}");
    assert_eq!(uses[0], docs.iter().filter(|d| d.kind == DocKind::Item).map(|d| d.uses).max().unwrap());
    let page2 = index.search(&Query { offset: 10, limit: 10, ..q.clone() }).unwrap();
    assert_eq!(ids(&page2), ids(&r)[10..20]);
    // By relevance, equally good hits come most used first.
    let r = index.search(&Query { limit: 50, ..Query::new("平均分", anyone()) }).unwrap();
    for pair in r.hits.windows(2) {
        if pair[0].score == pair[1].score {
            assert!(pair[0].uses >= pair[1].uses, "{pair:?}");
        }
    }
}

#[test]
fn a_query_with_a_word_no_document_has_falls_back_to_any_word() {
    let (index, _) = filled();
    let r = search(&index, "钟表 不存在的词语");
    assert!(ids(&r).contains(&"r-clock"), "{:?}", ids(&r));
    assert!(r.relaxed);
    // Complete matches come before partial ones.
    let r = search(&index, "练习本 平均分给");
    assert!(r.relaxed && r.total > 1, "{:?}", ids(&r));
    let both = |h: &search::Hit| h.title.contains("练习本") && h.title.contains("平均分给");
    let complete = r.hits.iter().take_while(|h| both(h)).count();
    assert!(complete >= 1 && complete < r.hits.len(), "{:?}", ids(&r));
    assert!(r.hits[complete..].iter().all(|h| !both(h)), "complete matches come first: {:?}", ids(&r));
    assert!(r.hits[complete - 1].score > 2.0 * r.hits[complete].score);
    // Stage and subject words prefer, they do not require: no stem says 小学数学.
    let r = search(&index, "小学数学 练习本");
    assert_eq!(r.hits[0].id, "i-ape");
    assert!(search(&index, "，。！").hits.is_empty(), "punctuation alone finds nothing");
}

#[test]
fn on_disk_index_survives_reopening_and_reports_a_changed_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open_or_create(&path).unwrap();
        let mut n = 0;
        let added = index.rebuild(handwritten().into_iter(), &mut |count| n = count).unwrap();
        assert_eq!((added, n), (6, 6));
    }
    let index = SearchIndex::open_or_create(&path).unwrap();
    assert_eq!(index.doc_count(), 6);
    assert_eq!(search(&index, "分数").hits[0].id, "r-fraction");
    // A rebuild replaces everything.
    index.rebuild(generated().into_iter().take(10), &mut |_| {}).unwrap();
    assert_eq!(index.doc_count(), 10);
    drop(index);

    // An index made with another schema is reported, and recreated on request.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("title", tantivy::schema::TEXT);
    tantivy::Index::create_in_dir(&other, b.build()).unwrap();
    assert!(matches!(SearchIndex::open_or_create(&other), Err(SearchError::SchemaChanged { .. })));
    let index = SearchIndex::recreate(&other).unwrap();
    assert_eq!(index.doc_count(), 0);
    drop(index);
    assert!(SearchIndex::open_or_create(&other).is_ok());
    // A directory with other files is not taken for an index, and not emptied.
    let busy = dir.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "keep me").unwrap();
    assert!(matches!(SearchIndex::open_or_create(&busy), Err(SearchError::NotAnIndex { .. })));
    assert!(matches!(SearchIndex::recreate(&busy), Err(SearchError::NotAnIndex { .. })));
    assert!(busy.join("notes.txt").exists());
}

#[test]
fn the_index_is_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SearchIndex>();
    let (index, _) = filled();
    let index = std::sync::Arc::new(index);
    let writer = {
        let index = std::sync::Arc::clone(&index);
        std::thread::spawn(move || {
            for i in 0..5 {
                index.upsert(&[resource(&format!("new-{i}"), "新课件 勾股定理", "", Visibility::District, 0)]).unwrap();
            }
        })
    };
    for _ in 0..5 {
        assert!(!search(&index, "分数").hits.is_empty());
    }
    writer.join().unwrap();
    assert_eq!(search(&index, "新课件").total, 5);
}

/// A phrase from a real GAOKAO stem finds that stem among the real Math I questions.
#[test]
fn real_gaokao_phrase_is_found() {
    let file = Path::new("../../../shared/data/gaokao-bench/Objective_Questions/2010-2022_Math_I_MCQs.json.gz");
    let Ok(bytes) = std::fs::read(file) else {
        eprintln!("skipped: {} not found (real data lives in ../shared/data)", file.display());
        return;
    };
    let mut json = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut json).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let docs: Vec<SearchDoc> = value["example"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut it = item(&format!("g{i}"), None, q["question"].as_str().unwrap(), Subject::Math, 12);
            it.source_id = Some(format!("2010-2022_Math_I_MCQs#{i}"));
            it.analysis = q["analysis"].as_str().unwrap_or_default().into();
            SearchDoc::from_item(&it, Visibility::District, 0)
        })
        .collect();
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(&docs).unwrap();
    // The first question: "已知集合 $A=\{x \in R|| x \mid \leqslant 2\}\}, B=…".
    let r = search(&index, "\"已知集合 A\"");
    assert!(r.total > 5, "many questions start like this: {}", r.total);
    let r = search(&index, "2010-2022_math_i_mcqs#0");
    assert_eq!(ids(&r), ["g0"], "source ids match case-insensitively");
    // Seven questions speak of both (checked with a script over the file); a page of five is
    // filled by complete matches, so nothing is relaxed.
    let r = index.search(&Query { limit: 5, ..Query::new("双曲线 离心率", anyone()) }).unwrap();
    assert_eq!((r.total, r.relaxed), (7, false));
    for hit in r.hits.iter().take(5) {
        let text = docs.iter().find(|d| d.id == hit.id).unwrap();
        assert!(text.body.contains("双曲线") && text.body.contains("离心率"), "{}", text.body);
    }
}
