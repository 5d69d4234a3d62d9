//! Changing a school's timetable by hand: where a selected lesson can go (every period's answer,
//! for the grid to show before the 教务 picks), moving it or exchanging it with the lessons of its
//! classes there (调课互换), and pinning. The checks are the pure crate's; a shared lesson's
//! partner schools check the same places in their own timetables, and every school's placements
//! are written together under the versions read.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Form, Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;
use store::TimetableFigures;
use timetable::platform::{MoveVerdict, MovedLesson, OptionKind, Place};

use super::timetables::{may_manage, when};
use crate::{
    App, RequestContext, WebError,
    i18n::timetable::TimetableMessages,
    timetables::{self, Loaded},
};

fn conflict(message: &str) -> Response {
    (StatusCode::CONFLICT, Json(serde_json::json!({ "allowed": false, "stale": true, "reasons": [message] })))
        .into_response()
}

const STALE: &str = "课表已被他人修改，请刷新后再试 / the timetable was changed meanwhile; reload and try again";

/// The school's stored timetable at the version the page showed and the index of the lesson with
/// `key`, or the answer to a stale page.
async fn load_lesson(
    app: &App,
    id: &str,
    version: i64,
    key: &str,
) -> Result<Result<(Loaded, usize), Response>, WebError> {
    let name = timetables::school_name(&*app.store, id).await?;
    let term = timetables::current_term();
    let Some(loaded) = timetables::load(&*app.store, id, &name, &term.id).await? else {
        return Err(WebError::NotFound);
    };
    if loaded.stored.version != version || loaded.stored.placements.is_none() {
        return Ok(Err(conflict(STALE)));
    }
    let Some(a) = loaded.activity(key) else { return Err(WebError::NotFound) };
    Ok(Ok((loaded, a)))
}

/// A refused change: what it would break, and the wishes it would break besides.
fn refused(reasons: &[String], warnings: &[String]) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(serde_json::json!({ "allowed": false, "reasons": reasons, "warnings": warnings })),
    )
        .into_response()
}

/// The other schools a change reaches (a shared lesson's partners), each looked up once: the
/// mover needs the right to manage each, and each with a timetable checks the new places in it.
struct Partners<'a> {
    app: &'a App,
    ctx: &'a RequestContext,
    t: &'static TimetableMessages,
    home: &'a str,
    term: String,
    schools: HashMap<String, Partner>,
}

enum Partner {
    /// The mover may not manage it: the reason, in words.
    NotManaged(String),
    /// No timetable yet: it follows the new time when it solves.
    NoTimetable,
    Loaded {
        name: String,
        loaded: Box<Loaded>,
    },
}

/// What the partner schools say about a change: reasons it is refused, wishes it breaks.
#[derive(Default)]
struct PartnerVerdict {
    reasons: Vec<String>,
    warnings: Vec<String>,
}

impl<'a> Partners<'a> {
    fn new(app: &'a App, ctx: &'a RequestContext, home: &'a str, term: &str) -> Partners<'a> {
        Partners { app, ctx, t: ctx.lang.messages().tt, home, term: term.to_owned(), schools: HashMap::new() }
    }

    async fn partner(&mut self, school: &str) -> Result<&Partner, WebError> {
        if !self.schools.contains_key(school) {
            let name = timetables::school_name(&*self.app.store, school).await?;
            let partner = if !may_manage(self.app, self.ctx, school).await? {
                Partner::NotManaged(self.t.shared_needs_manage.replace("{}", &name))
            } else {
                match timetables::load(&*self.app.store, school, &name, &self.term).await? {
                    Some(loaded) if loaded.stored.placements.is_some() => {
                        Partner::Loaded { name, loaded: Box::new(loaded) }
                    }
                    _ => Partner::NoTimetable,
                }
            };
            self.schools.insert(school.to_owned(), partner);
        }
        Ok(&self.schools[school])
    }

    /// The places of `moves` in a partner's own instance (by key).
    fn places(loaded: &Loaded, moves: &[MovedLesson]) -> Vec<Place> {
        moves.iter().filter_map(|m| Some((loaded.activity(&m.key)?, m.day, m.period))).collect()
    }

    /// Checks `moves` in every other school they reach.
    async fn check(&mut self, moves: &[MovedLesson]) -> Result<PartnerVerdict, WebError> {
        let mut out = PartnerVerdict::default();
        for school in self.others(moves) {
            match self.partner(&school).await? {
                Partner::NotManaged(reason) => out.reasons.push(reason.clone()),
                Partner::NoTimetable => {}
                Partner::Loaded { name, loaded } => {
                    let v = loaded.instance.check_moves(&loaded.tt, &Self::places(loaded, moves));
                    out.reasons.extend(v.reasons.iter().map(|r| format!("{name}：{r}")));
                    out.warnings.extend(v.warnings.iter().map(|w| format!("{name}：{w}")));
                }
            }
        }
        Ok(out)
    }

    /// The schools other than the page's that `moves` reach, each once.
    fn others(&self, moves: &[MovedLesson]) -> Vec<String> {
        let mut schools: Vec<String> =
            moves.iter().map(|m| m.school.clone()).filter(|s| s.as_str() != self.home).collect();
        schools.sort_unstable();
        schools.dedup();
        schools
    }

    /// The partners' timetables with `moves` applied, to be written with the page's own.
    fn changed(&self, moves: &[MovedLesson]) -> Result<Vec<(&Loaded, String, TimetableFigures)>, WebError> {
        let mut out = Vec::new();
        for school in self.others(moves) {
            if let Some(Partner::Loaded { loaded, .. }) = self.schools.get(&school) {
                out.push(moved_timetable(loaded, &Self::places(loaded, moves))?);
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct OptionsQuery {
    key: String,
    version: i64,
}

/// `GET /schools/{id}/timetable/options?key=&version=`: for the selected lesson, every other period
/// of the week with what can be done there (`move`, `swap` or `refused`), the lessons an exchange
/// would send back, and the reasons and wishes the checker names, partner schools included.
pub(crate) async fn options(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<OptionsQuery>,
) -> Result<Response, WebError> {
    let (loaded, a) = match load_lesson(&app, &id, q.version, &q.key).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let mut partners = Partners::new(&app, &ctx, &id, &loaded.stored.term);
    let mut out = Vec::new();
    for option in loaded.instance.move_options(&loaded.tt, &loaded.pinned, a) {
        let MoveVerdict { mut reasons, mut warnings, moves, exchanged, .. } = option.verdict;
        let mut kind = option.kind;
        if kind != OptionKind::Refused {
            let theirs = partners.check(&moves).await?;
            if !theirs.reasons.is_empty() {
                kind = OptionKind::Refused;
                reasons = theirs.reasons;
            }
            warnings.extend(theirs.warnings);
        }
        out.push(serde_json::json!({
            "day": option.day, "period": option.period, "kind": kind,
            "with": exchanged, "reasons": reasons, "warnings": warnings,
        }));
    }
    Ok(Json(serde_json::json!({ "options": out })).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct MoveForm {
    key: String,
    day: u16,
    period: u16,
    version: i64,
    /// Exchange with the lessons of the class there instead of moving into a free period.
    #[serde(default)]
    swap: bool,
}

/// `POST /schools/{id}/timetable/move`: checks a move (or, with `swap`, an exchange) by hand with
/// the independent checker and applies it unless it breaks a hard requirement; answers with the
/// reasons and warnings. A shared lesson moves in every school that holds it, checked in each
/// school's own timetable and written together, so it needs the right to manage each of them.
pub(crate) async fn move_lesson(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let t = ctx.lang.messages().tt;
    let (loaded, a) = match load_lesson(&app, &id, form.version, &form.key).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let (inst, tt) = (&loaded.instance, &loaded.tt);
    let verdict = if form.swap {
        inst.check_swap(tt, &loaded.pinned, a, form.day, form.period)
    } else {
        inst.check_move(tt, a, form.day, form.period)
    };
    if !verdict.allowed {
        return Ok(refused(&verdict.reasons, &verdict.warnings));
    }
    let mut partners = Partners::new(&app, &ctx, &id, &loaded.stored.term);
    let theirs = partners.check(&verdict.moves).await?;
    let warnings: Vec<String> = verdict.warnings.iter().cloned().chain(theirs.warnings).collect();
    if !theirs.reasons.is_empty() {
        return Ok(refused(&theirs.reasons, &warnings));
    }

    // Every school's new placements, written together under the versions read.
    let own: Vec<Place> =
        verdict.moves.iter().filter_map(|m| Some((loaded.activity(&m.key)?, m.day, m.period))).collect();
    let mut changed = vec![moved_timetable(&loaded, &own)?];
    changed.extend(partners.changed(&verdict.moves)?);
    let writes: Vec<_> = changed.iter().map(|(l, json, f)| timetables::placements_write(l, json, f)).collect();
    let Some(versions) = app.store.save_timetable_placements(&writes, &principal.account.id, Utc::now()).await? else {
        return Ok(conflict(STALE));
    };
    let figures = &changed[0].2;
    Ok(Json(serde_json::json!({
        "allowed": true, "reasons": [], "warnings": warnings, "notes": notes(t, &loaded, &id, a, &verdict),
        "version": versions[0], "hard_ok": figures.hard_ok, "soft_penalty": figures.soft_penalty,
    }))
    .into_response())
}

/// What moved besides the selected lesson, in words: the lessons an exchange sent back, where a
/// shared lesson's other sides went in their schools' own bell times, the elective block that
/// moved with its group.
fn notes(t: &TimetableMessages, loaded: &Loaded, home: &str, a: usize, verdict: &MoveVerdict) -> Vec<String> {
    let inst = &loaded.instance;
    let mut notes = Vec::new();
    if !verdict.exchanged.is_empty() {
        // They take the selected lesson's old place.
        let back = loaded.tt.placements[a].start.map(|s| when(inst, a, s)).unwrap_or_default();
        notes.push(format!("{} {back}", t.exchanged.replace("{}", &verdict.exchanged.join("、"))));
    }
    notes.extend(verdict.moves[1..].iter().filter(|m| m.school != home).filter_map(|m| {
        let b = loaded.activity(&m.key)?;
        let school = &inst.schools[inst.school_of[b]].name;
        Some(format!("{} {school} {}", t.shared_moved, when(inst, b, inst.slot(m.day, m.period))))
    }));
    if let Some(mark) = inst.elective[a].as_ref().filter(|_| verdict.moves.len() > verdict.exchanged.len() + 1) {
        let slot = inst.slot(verdict.moves[0].day, verdict.moves[0].period);
        notes.push(format!("{} {}", t.block_moved.replace("{}", &mark.block), when(inst, a, slot)));
    }
    notes
}

/// `loaded`'s timetable with lessons moved to the given places of its grid.
fn moved_tt(loaded: &Loaded, places: &[Place]) -> timetable::Timetable {
    let mut tt = loaded.tt.clone();
    for &(b, day, period) in places {
        tt.placements[b].start = Some(loaded.instance.slot(day, period));
    }
    tt
}

/// `loaded` with lessons moved: the placements to store and the checker's figures for them (the
/// last solve's time and moves stay with the timetable).
fn moved_timetable<'a>(
    loaded: &'a Loaded,
    places: &[Place],
) -> Result<(&'a Loaded, String, TimetableFigures), WebError> {
    let tt = moved_tt(loaded, places);
    let (seconds, iterations) =
        loaded.stored.figures.as_ref().map_or((0.0, 0), |f| (f.seconds, f.iterations.max(0) as u64));
    let figures = timetables::figures(&loaded.instance, &tt, seconds, iterations);
    Ok((loaded, timetables::placements_json(loaded, &tt, &loaded.pinned)?, figures))
}

#[derive(Debug, Deserialize)]
pub(crate) struct PinForm {
    key: String,
    pinned: String,
    version: i64,
}

/// `POST /schools/{id}/timetable/pin`: pins a lesson where it is (or releases it).
pub(crate) async fn pin(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<PinForm>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let (loaded, a) = match load_lesson(&app, &id, form.version, &form.key).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let mut pinned = loaded.pinned.clone();
    pinned[a] = matches!(form.pinned.as_str(), "1" | "true" | "on");
    let figures =
        loaded.stored.figures.clone().unwrap_or_else(|| timetables::figures(&loaded.instance, &loaded.tt, 0.0, 0));
    let Some(version) =
        timetables::save(&*app.store, &loaded, &loaded.tt, &pinned, &figures, &principal.account.id).await?
    else {
        return Ok(conflict(STALE));
    };
    Ok(Json(serde_json::json!({ "pinned": pinned[a], "version": version })).into_response())
}
