//! Prints the totals of a generated district and how long generation took.
//!
//! `cargo run -p demo --example demo_stats [seed] [small]`

use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(2026);
    let scale = if args.next().as_deref() == Some("small") { demo::Scale::Small } else { demo::Scale::Full };
    let started = Instant::now();
    let roster = demo::district(&demo::DemoConfig { seed, scale });
    let elapsed = started.elapsed();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for s in &roster.schools {
        let label = if s.is_teaching_point() {
            "教学点".to_owned()
        } else {
            format!("{} ({})", s.kind.label_zh(), s.locality.label_zh())
        };
        *kinds.entry(label).or_default() += 1;
    }
    println!("seed {seed} {scale:?}: generated in {elapsed:.2?}");
    println!("schools {}", roster.schools.len());
    for (k, n) in &kinds {
        println!("  {k}: {n}");
    }
    let shared = roster.guardians.iter().filter(|g| g.students.len() > 1).count();
    let covered: std::collections::BTreeSet<&str> = roster
        .school_groups
        .iter()
        .flat_map(|g| std::iter::once(&g.lead_school_id).chain(&g.member_school_ids))
        .map(String::as_str)
        .collect();
    println!("groups {} covering {} schools", roster.school_groups.len(), covered.len());
    println!("classes {}", roster.classes.len());
    println!("teachers {}", roster.teachers.len());
    println!("students {}", roster.students.len());
    println!("guardians {} ({shared} with more than one child)", roster.guardians.len());
    println!("teaching assignments {}", roster.teaching_assignments.len());
    let mut load: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &roster.teaching_assignments {
        *load.entry(a.teacher_id.as_str()).or_default() += 1;
    }
    let idle = roster.teachers.iter().filter(|t| !load.contains_key(t.id.as_str())).count();
    println!("  teachers without classes (administrative posts): {idle}");
    let mut heads: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &roster.classes {
        if let Some(h) = &c.head_teacher_id {
            *heads.entry(h.as_str()).or_default() += 1;
        }
    }
    println!("  teachers heading two or more classes: {}", heads.values().filter(|n| **n > 1).count());
    let multi = roster.teachers.iter().filter(|t| t.subjects.len() > 1).count();
    println!("  teachers teaching several subjects: {multi}");
    let mut tiers: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &roster.teachers {
        *tiers.entry(t.tier.label_zh()).or_default() += 1;
    }
    println!("  tiers: {tiers:?}");
    let started = Instant::now();
    let valid = roster.validate();
    println!("validate: {} in {:.2?}", if valid.is_ok() { "ok" } else { "FAILED" }, started.elapsed());
    if let Err(errors) = valid {
        for e in errors.iter().take(10) {
            println!("  {e}");
        }
    }
}
