//! The per-resource rules (teacher and student-set daily and weekly limits, gaps, spans, days a week,
//! resting hours...): their values per day and the costs kept up to date as lessons move, graded in the
//! hard phase where a flat count would give the search no slope.

use super::{State, Undo};
use crate::compile::RuleKind;
use crate::model::Rule;

impl State<'_> {
    /// Recomputes, after resource `r`'s lessons on day `d` changed, the rules that watch it.
    pub(super) fn update_rules(&mut self, r: usize, d: usize) {
        let c = self.c;
        let (lo, hi) = (c.watch_start[r], c.watch_start[r + 1]);
        if lo == hi || self.undoing {
            return;
        }
        // Only the shape rules of the day read it; tag-pair shadows often have none.
        let mut day: Option<DayShape> = None;
        for &ri in &c.watch[lo..hi] {
            let ri = ri as usize;
            let rule = &c.rules[ri];
            let changed = match &rule.kind {
                RuleKind::TagGap { first, second, min_gaps } => {
                    let v = tag_gap_value(self.busy[first * c.nd + d], self.busy[second * c.nd + d], *min_gaps);
                    self.set_day_value(ri, d, [v, 0])
                }
                RuleKind::Shape(shape) if !spans_days(shape) => {
                    let day =
                        day.get_or_insert_with(|| DayShape::of(self.busy[r * c.nd + d], c.unusable[r * c.nd + d]));
                    let v = day_value(*shape, rule.hard, day, d);
                    self.set_day_value(ri, d, [v.0, v.1])
                }
                RuleKind::Shape(shape) => {
                    let mut changed = false;
                    for key in rule_keys(&rule.kind, d, c.nd) {
                        let v = self.wide_value(*shape, rule.hard, r, key);
                        changed |= self.set_day_value(ri, key, [v.0, v.1]);
                    }
                    changed
                }
                RuleKind::EndsDay(acts) => {
                    let m = self.busy[r * c.nd + d];
                    let mut k = 0;
                    for &a in acts {
                        if let Some((da, qa, ua)) = self.pos(a)
                            && da == d
                            && (m >> (qa + ua)) != 0
                        {
                            k += 1;
                        }
                    }
                    self.set_day_value(ri, d, [k, 0])
                }
            };
            // A graded rule's slope can change while its count does not.
            let graded = rule.hard && matches!(rule.kind, RuleKind::Shape(shape) if graded_in_hard_phase(&shape));
            if !changed && !graded {
                continue;
            }
            let [s0, s1] = self.rule_sums[ri];
            let weekly = match &rule.kind {
                RuleKind::Shape(shape) => weekly_excess(*shape, s1),
                RuleKind::EndsDay(_) | RuleKind::TagGap { .. } => 0,
            };
            let new = i64::from(s0 + weekly);
            let delta = new - self.rule_cost[ri];
            if !rule.hard {
                self.set_rule_cost(ri, new);
                self.soft += delta * rule.weight;
                continue;
            }
            let shaped = match rule.kind {
                RuleKind::Shape(shape) if graded && new > 0 => self.shaped_rule_cost(shape, r),
                _ => new,
            };
            if !changed {
                if shaped == self.rule_shaped[ri] {
                    continue;
                }
                // Only the slope moved: nothing logged the rule yet in this trial.
                if self.trials > 0 {
                    self.journal.push(Undo::Rule(
                        ri as u32,
                        self.rule_sums[ri],
                        self.rule_cost[ri],
                        self.rule_shaped[ri],
                    ));
                }
            }
            self.set_rule_cost(ri, new);
            self.hard += delta;
            self.whard += (shaped - self.rule_shaped[ri]) * self.w_rule[ri];
            self.rule_shaped[ri] = shaped;
        }
    }

    /// The hard phase's graded cost of a broken rule that counts whole days: the periods taught on
    /// the cheapest counted days beyond the allowed number, so emptying such a day one lesson at a
    /// time lowers it. Counting 1 per day left every step but the last flat (or worse, as it
    /// breaks the minimum hours of that day first), and the search stalled with the rule broken
    /// on files FET solves: Morocco's farabi432 and sample-morocco for "at most `x` real days
    /// with both a morning and an afternoon" (FET's exclusive teachers: 0, where a day costs the
    /// periods of its smaller half), lk-example for a teacher's "at most 4 days a week".
    /// The cost is at least the rule's count and zero only when the count is.
    pub(super) fn shaped_rule_cost(&self, shape: Rule, r: usize) -> i64 {
        let c = self.c;
        let busy = |d: usize| self.busy[r * c.nd + d].count_ones() as usize;
        // Counted days per number of periods that would have to leave to uncount them.
        let mut by_size = [0usize; 65];
        let mut count = |size: usize| {
            if size > 0 {
                by_size[size.min(64)] += 1;
            }
        };
        let allowed = match shape {
            Rule::MaxDaysPerWeek(x) => {
                (0..c.nd).for_each(|d| count(busy(d)));
                x
            }
            Rule::IntervalMaxDaysPerWeek { start, end, max } => {
                let mask = interval_mask(start, end);
                (0..c.nd).for_each(|d| count((self.busy[r * c.nd + d] & mask).count_ones() as usize));
                max
            }
            Rule::MaxMorningsPerWeek(x) => {
                (0..c.nd).step_by(2).for_each(|d| count(busy(d)));
                x
            }
            Rule::MaxAfternoonsPerWeek(x) => {
                (1..c.nd).step_by(2).for_each(|d| count(busy(d)));
                x
            }
            Rule::MaxRealDaysPerWeek(x) => {
                (0..c.nd & !1).step_by(2).for_each(|d| count(busy(d) + busy(d + 1)));
                x
            }
            Rule::MaxRealDaysWithMorningAndAfternoon(x) => {
                (0..c.nd & !1).step_by(2).for_each(|d| {
                    let (m, a) = (busy(d), busy(d + 1));
                    if m != 0 && a != 0 {
                        count(m.min(a));
                    }
                });
                x
            }
            _ => return 0,
        };
        let days: usize = by_size.iter().sum();
        let mut over = days.saturating_sub(usize::from(allowed));
        let mut cost = 0;
        for (size, &n) in by_size.iter().enumerate() {
            let take = n.min(over);
            cost += (size * take) as i64;
            over -= take;
        }
        cost
    }

    /// Sets rule `ri`'s cost, keeping count of the broken hard rules each resource watches.
    pub(super) fn set_rule_cost(&mut self, ri: usize, new: i64) {
        let c = self.c;
        let old = std::mem::replace(&mut self.rule_cost[ri], new);
        if c.rules[ri].hard && (old > 0) != (new > 0) {
            let [x, y] = c.watchers[ri];
            let step = |b: &mut u32| if new > 0 { *b += 1 } else { *b -= 1 };
            step(&mut self.broken[x as usize]);
            if y != x {
                step(&mut self.broken[y as usize]);
            }
        }
    }

    /// Stores rule `ri`'s value at day `key` and adds the change to its weekly sums (logged
    /// when a trial is open); returns whether it changed. The rule's cost is the caller's.
    #[inline(always)]
    fn set_day_value(&mut self, ri: usize, key: usize, v: [i32; 2]) -> bool {
        let i = ri * self.c.nd + key;
        let old = self.day_vals[i];
        if old == v {
            return false;
        }
        if self.trials > 0 {
            // Replayed backwards, the first entry of a rule restores its sums and cost.
            self.journal.push(Undo::Rule(ri as u32, self.rule_sums[ri], self.rule_cost[ri], self.rule_shaped[ri]));
            self.journal.push(Undo::Day(i as u32, old));
        }
        self.day_vals[i] = v;
        let sums = &mut self.rule_sums[ri];
        sums[0] += v[0] - old[0];
        sums[1] += v[1] - old[1];
        true
    }

    /// Value of a rule that looks at more than one half day, stored at day `key`: the real day
    /// `key / 2` for real-day rules, the four half days from `key` on for the consecutive rule, the
    /// rest between day `key` and the next for the resting rule.
    fn wide_value(&self, shape: Rule, hard: bool, r: usize, key: usize) -> (i32, i32) {
        let c = self.c;
        if let Rule::MinRestingHours { min, circular } = shape {
            return (self.resting_shortfall(r, key, min, circular), 0);
        }
        let busy = |d: usize| self.busy[r * c.nd + d];
        if let Rule::MaxThreeConsecutiveHalfDays { afternoon_start_exception } = shape {
            let all_busy = (key..key + 4).all(|d| busy(d) != 0);
            let excused = afternoon_start_exception && key % 2 == 1;
            return (i32::from(all_busy && !excused), 0);
        }
        let (morning, afternoon) = (busy(key), busy(key + 1));
        let real = DayShape::of(
            morning | afternoon << c.h,
            c.unusable[r * c.nd + key] | c.unusable[r * c.nd + key + 1] << c.h,
        );
        match shape {
            Rule::MaxHoursDailyRealDays(x) => (broken_max(real.hours, x, hard), 0),
            Rule::MinHoursDailyRealDays { min, allow_empty_days } => {
                if real.hours == 0 && allow_empty_days {
                    (0, 0)
                } else {
                    ((i32::from(min) - real.hours).max(0), 0)
                }
            }
            Rule::MaxGapsPerRealDay { max, .. } => {
                let over = real.gaps - i32::from(max);
                ((over - 1).max(0), i32::from(over > 0))
            }
            Rule::MaxRealDaysPerWeek(_) | Rule::MinRealDaysPerWeek(_) => (0, i32::from(real.m != 0)),
            Rule::MaxRealDaysWithMorningAndAfternoon(_) => (0, i32::from(morning != 0 && afternoon != 0)),
            Rule::MinRestingHoursBetweenMorningAndAfternoon(x) => {
                if morning == 0 || afternoon == 0 {
                    return (0, 0);
                }
                let after_morning = c.h - 1 - (63 - morning.leading_zeros() as usize);
                let before_afternoon = afternoon.trailing_zeros() as usize;
                (i32::from(after_morning + before_afternoon < usize::from(x)), 0)
            }
            _ => (0, 0),
        }
    }

    /// How many periods of rest resource `r` lacks between day `d` and the next day.
    fn resting_shortfall(&self, r: usize, d: usize, min: u16, circular: bool) -> i32 {
        let c = self.c;
        let next = if d + 1 < c.nd {
            d + 1
        } else if circular {
            0
        } else {
            return 0;
        };
        let (m, n) = (self.busy[r * c.nd + d], self.busy[r * c.nd + next]);
        let end_rest = if m == 0 { c.h } else { m.leading_zeros() as usize - (64 - c.h) };
        let start_rest = if n == 0 { c.h } else { n.trailing_zeros() as usize };
        (i32::from(min) - (end_rest + start_rest) as i32).max(0)
    }
}

/// The shape of one resource's day (or real day): busy periods, periods that are never gaps.
struct DayShape {
    m: u64,
    u: u64,
    hours: i32,
    first: usize,
    last: usize,
    gaps: i32,
}

impl DayShape {
    fn of(m: u64, u: u64) -> Self {
        let hours = m.count_ones() as i32;
        let (first, last) =
            if m == 0 { (0, 0) } else { (m.trailing_zeros() as usize, 63 - m.leading_zeros() as usize) };
        let gaps = if m == 0 {
            0
        } else {
            let span = (u64::MAX >> (63 - last)) & (u64::MAX << first);
            (span & !m & !u).count_ones() as i32
        };
        DayShape { m, u, hours, first, last, gaps }
    }

    fn span(&self) -> i32 {
        if self.m == 0 { 0 } else { (self.last - self.first + 1) as i32 }
    }

    /// (late beginnings beyond the second period, 1 if the day begins late).
    fn late_start(&self) -> (i32, i32) {
        if self.m == 0 {
            return (0, 0);
        }
        let before = ((1u64 << self.first) - 1) & !self.u;
        let b = before.count_ones() as i32;
        if b >= 1 { (b - 1, 1) } else { (0, 0) }
    }
}

/// The periods `start..end` of a day as a bit mask.
fn interval_mask(start: u16, end: u16) -> u64 {
    (u64::MAX << start) & (u64::MAX >> (64 - u32::from(end)))
}

/// Whether the hard phase weighs a broken hard rule by [`State::shaped_rule_cost`] rather than by
/// its count.
pub(super) fn graded_in_hard_phase(shape: &Rule) -> bool {
    matches!(
        shape,
        Rule::MaxDaysPerWeek(_)
            | Rule::IntervalMaxDaysPerWeek { .. }
            | Rule::MaxMorningsPerWeek(_)
            | Rule::MaxAfternoonsPerWeek(_)
            | Rule::MaxRealDaysPerWeek(_)
            | Rule::MaxRealDaysWithMorningAndAfternoon(_)
    )
}

/// The tag-pair rule's value on a day with first-tag periods `a` and second-tag periods `b`:
/// each run of second-tag lessons starts after the nearest first-tag lesson before it.
fn tag_gap_value(a: u64, b: u64, min_gaps: u16) -> i32 {
    let mut k = 0;
    let mut rest = b & !(b << 1);
    while rest != 0 {
        let sb = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        let before = a & ((1u64 << sb) - 1);
        if before != 0 {
            let last_a = 63 - before.leading_zeros() as usize;
            k += (i32::from(min_gaps) - (sb - last_a - 1) as i32).max(0);
        }
    }
    k
}

/// Whether a rule's value on a day depends on other (half) days too.
fn spans_days(shape: &Rule) -> bool {
    matches!(
        shape,
        Rule::MaxHoursDailyRealDays(_)
            | Rule::MinHoursDailyRealDays { .. }
            | Rule::MaxGapsPerRealDay { .. }
            | Rule::MaxRealDaysPerWeek(_)
            | Rule::MinRealDaysPerWeek(_)
            | Rule::MaxRealDaysWithMorningAndAfternoon(_)
            | Rule::MinRestingHoursBetweenMorningAndAfternoon(_)
            | Rule::MaxThreeConsecutiveHalfDays { .. }
            | Rule::MinRestingHours { .. }
    )
}

/// The days whose stored value changes when day `d` changes: a run of days, and for the circular
/// resting rule the last day of the week too (its rest runs into day 0).
fn rule_keys(
    kind: &RuleKind,
    d: usize,
    nd: usize,
) -> std::iter::Chain<std::ops::Range<usize>, std::option::IntoIter<usize>> {
    let (run, extra) = match kind {
        RuleKind::Shape(Rule::MaxThreeConsecutiveHalfDays { .. }) => {
            if nd < 4 {
                (0..0, None)
            } else {
                (d.saturating_sub(3)..d.min(nd - 4) + 1, None)
            }
        }
        // The rest before day `d` is stored at the day before it.
        RuleKind::Shape(Rule::MinRestingHours { circular, .. }) => {
            (d.saturating_sub(1)..d + 1, (d == 0 && *circular && nd > 1).then_some(nd - 1))
        }
        RuleKind::Shape(shape) if spans_days(shape) => ((d & !1)..(d & !1) + 1, None),
        _ => (d..d + 1, None),
    };
    run.chain(extra)
}

/// How a maximum that `value` exceeds counts: the excess when hard (a slope for the search), 1 when
/// soft, as FET weighs each broken day or run of max-hours rules.
fn broken_max(value: i32, max: u16, hard: bool) -> i32 {
    let excess = (value - i32::from(max)).max(0);
    if hard { excess } else { excess.min(1) }
}

/// Value of a one-day rule on day `d`: (violations counted per day, count added up over the week).
fn day_value(shape: Rule, hard: bool, day: &DayShape, d: usize) -> (i32, i32) {
    let morning = d.is_multiple_of(2);
    match shape {
        Rule::MaxHoursDaily(x) => (broken_max(day.hours, x, hard), 0),
        Rule::MinHoursDaily { min, allow_empty_days } => {
            if day.hours == 0 && allow_empty_days {
                (0, 0)
            } else {
                ((i32::from(min) - day.hours).max(0), 0)
            }
        }
        Rule::MaxGapsPerDay(x) => ((day.gaps - i32::from(x)).max(0), 0),
        Rule::MaxGapsPerWeek(_) => (0, day.gaps),
        Rule::EarlyMaxBeginningsAtSecondHour(_) => day.late_start(),
        Rule::AfternoonsEarlyMaxBeginningsAtSecondHour(_) => {
            if morning {
                (0, 0)
            } else {
                day.late_start()
            }
        }
        Rule::MaxHoursContinuously(x) => {
            let mut rest = day.m;
            let mut k = 0;
            while rest != 0 {
                let tz = rest.trailing_zeros();
                let run = (!(rest >> tz)).trailing_zeros();
                k += broken_max(run as i32, x, hard);
                rest &= !((u64::MAX >> (64 - run)) << tz);
            }
            (k, 0)
        }
        Rule::MaxSpanPerDay(x) => ((day.span() - i32::from(x)).max(0), 0),
        Rule::MaxSpanPerDayOneLonger(x) => (0, (day.span() - i32::from(x)).max(0)),
        Rule::MaxDaysPerWeek(_) | Rule::MinDaysPerWeek(_) => (0, i32::from(day.m != 0)),
        Rule::IntervalMaxDaysPerWeek { start, end, .. } => {
            let mask = interval_mask(start, end);
            (0, i32::from(day.m & mask != 0))
        }
        Rule::MaxMorningsPerWeek(_) => (0, i32::from(morning && day.m != 0)),
        Rule::MaxAfternoonsPerWeek(_) => (0, i32::from(!morning && day.m != 0)),
        Rule::MinHoursPerMorning { min, allow_empty_mornings } => {
            if !morning || (day.hours == 0 && allow_empty_mornings) {
                (0, 0)
            } else {
                ((i32::from(min) - day.hours).max(0), 0)
            }
        }
        Rule::ZeroGapsPerAfternoon => (if morning { 0 } else { day.gaps }, 0),
        // Rules over several half days are evaluated by `State::wide_value`.
        _ => (0, 0),
    }
}

/// The weekly part of a rule's cost from the week's sum of per-day counts.
fn weekly_excess(shape: Rule, s1: i32) -> i32 {
    match shape {
        Rule::MaxGapsPerWeek(x)
        | Rule::EarlyMaxBeginningsAtSecondHour(x)
        | Rule::AfternoonsEarlyMaxBeginningsAtSecondHour(x)
        | Rule::MaxDaysPerWeek(x)
        | Rule::MaxRealDaysPerWeek(x)
        | Rule::MaxMorningsPerWeek(x)
        | Rule::MaxAfternoonsPerWeek(x)
        | Rule::MaxRealDaysWithMorningAndAfternoon(x)
        | Rule::IntervalMaxDaysPerWeek { max: x, .. } => (s1 - i32::from(x)).max(0),
        Rule::MinDaysPerWeek(x) | Rule::MinRealDaysPerWeek(x) => (i32::from(x) - s1).max(0),
        // One day may be one period too long.
        Rule::MaxSpanPerDayOneLonger(_) => (s1 - 1).max(0),
        // Days over the limit; with the exception, one of them is forgiven its first extra gap.
        Rule::MaxGapsPerRealDay { one_day_exception, .. } => {
            if one_day_exception {
                (s1 - 1).max(0)
            } else {
                s1
            }
        }
        _ => 0,
    }
}
