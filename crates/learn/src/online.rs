//! Online updates between refits: one response moves a student's mastery of the item's knowledge
//! points (BKT) and their ability posterior (IRT) in microseconds, using the last fitted models.
//!
//! A full refit (a background job over all responses) replaces the models; students' states stay
//! valid because they hold probabilities and a posterior over the same fixed grid, not indices.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{
    bkt::{BktModel, BktParams},
    irt::{AbilityState, IrtModel, ItemParams},
};

/// What the platform keeps per student between responses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StudentState {
    /// P(known) per knowledge point id; knowledge points never practised are absent (the prior applies).
    pub mastery: HashMap<String, f64>,
    /// Ability posterior, when an IRT model is in use.
    pub ability: Option<AbilityState>,
    pub responses: usize,
}

/// A snapshot of a student's estimates, for pages and reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mastery: Vec<(String, f64)>,
    pub theta: Option<f64>,
    pub theta_se: Option<f64>,
}

/// The fitted models with name look-ups built once, ready for online use.
#[derive(Debug, Clone)]
pub struct Tracker {
    bkt: BktModel,
    irt: Option<IrtModel>,
    skills: HashMap<String, BktParams>,
    items: HashMap<String, ItemParams>,
}

impl Tracker {
    pub fn new(bkt: BktModel, irt: Option<IrtModel>) -> Tracker {
        let skills = bkt.skills.iter().map(|s| (s.name.clone(), s.params)).collect();
        let items = irt.iter().flat_map(|m| m.items.iter().map(|i| (i.name.clone(), i.params))).collect();
        Tracker { bkt, irt, skills, items }
    }

    pub fn bkt(&self) -> &BktModel {
        &self.bkt
    }

    pub fn irt(&self) -> Option<&IrtModel> {
        self.irt.as_ref()
    }

    /// A student with no responses yet.
    pub fn new_student(&self) -> StudentState {
        StudentState { mastery: HashMap::new(), ability: self.irt.as_ref().map(IrtModel::new_ability), responses: 0 }
    }

    /// BKT parameters of a knowledge point (pooled ones when it was not in the training data).
    pub fn params(&self, knowledge_point: &str) -> BktParams {
        self.skills.get(knowledge_point).copied().unwrap_or(self.bkt.pooled)
    }

    /// Current P(known) of a knowledge point.
    pub fn mastery(&self, state: &StudentState, knowledge_point: &str) -> f64 {
        state.mastery.get(knowledge_point).copied().unwrap_or_else(|| self.params(knowledge_point).prior)
    }

    /// Records one response to `item` (tagged with `knowledge_points`): each knowledge point's
    /// mastery is updated as its own BKT chain, and the ability posterior absorbs the response when
    /// the item has IRT parameters.
    pub fn observe(&self, state: &mut StudentState, item: &str, knowledge_points: &[String], correct: bool) {
        for kp in knowledge_points {
            let p = self.params(kp);
            let m = state.mastery.get(kp).copied().unwrap_or(p.prior);
            state.mastery.insert(kp.clone(), p.update(m, correct));
        }
        if let (Some(irt), Some(ability), Some(params)) = (&self.irt, state.ability.as_mut(), self.items.get(item)) {
            ability.observe(&irt.grid, params, correct);
        }
        state.responses += 1;
    }

    /// Predicted P(correct) on an item: from the ability posterior when the item has IRT
    /// parameters (given or fitted), otherwise from BKT on its weakest knowledge point, since a
    /// multi-skill item needs all of them.
    pub fn p_correct(
        &self,
        state: &StudentState,
        item: &str,
        irt: Option<&ItemParams>,
        knowledge_points: &[String],
    ) -> f64 {
        let params = irt.or_else(|| self.items.get(item));
        if let (Some(model), Some(ability), Some(params)) = (&self.irt, &state.ability, params) {
            return ability.p_correct(&model.grid, params);
        }
        knowledge_points
            .iter()
            .map(|kp| self.params(kp).p_correct(self.mastery(state, kp)))
            .min_by(f64::total_cmp)
            .unwrap_or(self.bkt.pooled.p_correct(self.bkt.pooled.prior))
    }

    /// The student's estimates, knowledge points sorted by id.
    pub fn estimate(&self, state: &StudentState) -> Estimate {
        let mut mastery: Vec<(String, f64)> = state.mastery.iter().map(|(k, v)| (k.clone(), *v)).collect();
        mastery.sort_by(|a, b| a.0.cmp(&b.0));
        let ability = match (&self.irt, &state.ability) {
            (Some(m), Some(a)) => Some(a.estimate(&m.grid)),
            _ => None,
        };
        Estimate { mastery, theta: ability.map(|a| a.0), theta_se: ability.map(|a| a.1) }
    }
}

impl Tracker {
    /// Targeted selection for one student with this tracker's estimates (see [`crate::select`]).
    pub fn select(
        &self,
        state: &StudentState,
        pool: &[crate::select::PoolItem],
        graph: &crate::select::KnowledgeGraph,
        config: &crate::select::SelectConfig,
        stop: crate::Stop,
    ) -> Result<crate::select::Selection, crate::LearnError> {
        crate::select::select(
            pool,
            graph,
            &|kp| self.mastery(state, kp),
            &|it| self.p_correct(state, &it.id, it.irt.as_ref(), &it.knowledge_points),
            config,
            stop,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        bkt::{BktConfig, SkillFit},
        irt::{IrtConfig, IrtKind},
        select::{KnowledgeGraph, PoolItem, SelectConfig},
    };

    fn tracker() -> Tracker {
        let p = BktParams { prior: 0.3, learn: 0.2, forget: 0.0, guess: 0.2, slip: 0.1 };
        let bkt = BktModel {
            skills: vec![SkillFit {
                name: "frac".into(),
                params: p,
                responses: 10,
                log_likelihood: 0.0,
                iterations: 1,
                fallback: false,
            }],
            pooled: BktParams { prior: 0.5, ..p },
            config: BktConfig::default(),
        };
        // A small IRT model fitted on generated data gives a real grid and items.
        let mut b = crate::DatasetBuilder::new();
        for s in 0..200 {
            for i in 0..5 {
                b.push(&format!("s{s}"), "frac", &format!("q{i}"), (s * 7 + i * 3) % 5 < 3);
            }
        }
        let irt =
            crate::irt::fit(&b.build().unwrap(), &IrtConfig { kind: IrtKind::TwoPl, ..IrtConfig::default() }).unwrap();
        Tracker::new(bkt, Some(irt))
    }

    #[test]
    fn observe_updates_mastery_and_ability() {
        let t = tracker();
        let mut s = t.new_student();
        assert!((t.mastery(&s, "frac") - 0.3).abs() < 1e-12);
        assert!((t.mastery(&s, "unseen") - 0.5).abs() < 1e-12, "unknown points use the pooled prior");
        let kps = vec!["frac".to_string(), "unseen".to_string()];
        t.observe(&mut s, "q0", &kps, true);
        let p = t.params("frac");
        assert!((t.mastery(&s, "frac") - p.update(0.3, true)).abs() < 1e-12);
        assert!(t.mastery(&s, "unseen") > 0.5);
        let e = t.estimate(&s);
        assert!(e.theta.unwrap() > 0.0, "a correct answer raises the ability");
        assert!(e.theta_se.unwrap() < 1.0);
        assert_eq!(e.mastery.len(), 2);
        let before = t.p_correct(&s, "q1", None, &kps);
        t.observe(&mut s, "q1", &kps, false);
        t.observe(&mut s, "q2", &kps, false);
        assert!(t.p_correct(&s, "q1", None, &kps) < before);
    }

    #[test]
    fn long_runs_of_updates_stay_finite() {
        // Update speed is a benchmark figure (scripts/bench-learn.sh), not a unit-test assertion.
        let t = tracker();
        let mut s = t.new_student();
        let kps = vec!["frac".to_string()];
        for k in 0..20_000 {
            t.observe(&mut s, "q3", &kps, k % 3 != 0);
        }
        assert!(t.estimate(&s).theta.unwrap().is_finite());
    }

    #[test]
    fn tracker_selection_targets_weak_points() {
        let t = tracker();
        let s = t.new_student();
        let pool = vec![
            PoolItem { id: "a".into(), knowledge_points: vec!["frac".into()], irt: None, since_last_given: None },
            PoolItem { id: "b".into(), knowledge_points: vec!["other".into()], irt: None, since_last_given: Some(0) },
        ];
        let sel = t
            .select(&s, &pool, &KnowledgeGraph::default(), &SelectConfig { count: 2, ..Default::default() }, &|| false)
            .unwrap();
        assert_eq!(sel.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec!["a"]);
    }
}
