//! Scoring after GB/T 39117-2020, pure: answers in, scores out.
//!
//! - A requirement scores what its answer scores (fully 1, mostly 0.8, partly 0.5, not met 0 in
//!   the shipped model); an unanswered one scores as not met.
//! - A sub-domain's score at a level is the mean of its requirements' scores at that level.
//! - A level's score is the weighted mean of the scores of the sub-domains assessed for the
//!   enterprise's industry kind that have requirements at that level.
//! - A level is reached when its score and every lower level's reach the threshold (0.8); the
//!   maturity score adds the level scores from level 1 up to and including the first level not
//!   reached, so an enterprise at level *n* scores from *n* + threshold − 1 to below *n* + 1
//!   (0.8–1.8 is level 1) and what it does above a level it has not reached counts nothing.
//! - A domain's profile (the radar chart) is scored the same way over its own sub-domains; a
//!   level where the domain has no requirement counts as met for it.
//!
//! Every score is in thousandths, rounded half up at each step (the sub-domain, the level), as
//! the report shows them, so a hand computation with three decimals gives the same result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Answer, IndustryKind, Model};

/// `numerator / denominator` rounded half up (both non-negative, denominator positive).
fn rounded(numerator: u64, denominator: u64) -> u32 {
    let value = (2 * numerator + denominator) / (2 * denominator);
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A level's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelScore {
    /// 1 to 5.
    pub level: u8,
    /// Thousandths, 0 to 1000.
    pub score: u32,
    /// Whether this level and every lower one reached the threshold.
    pub reached: bool,
}

/// A sub-domain's score at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubdomainScore {
    /// 1 to 5.
    pub level: u8,
    /// Thousandths.
    pub score: u32,
    /// Requirements scored.
    pub requirements: u32,
}

/// A capability domain's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainScore {
    /// The factor's code.
    pub factor: String,
    /// The domain's code.
    pub domain: String,
    /// Its score per level (thousandths; `None`: no requirement of the domain at that level).
    pub levels: Vec<Option<u32>>,
    /// Its profile, 0 to 5000 thousandths.
    pub profile: u32,
}

/// What an assessment scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scorecard {
    /// The maturity level reached, 0 (none) to 5.
    pub level: u8,
    /// The maturity score, 0 to 5000 thousandths.
    pub score: u32,
    /// Each level's score.
    pub levels: Vec<LevelScore>,
    /// Each sub-domain's scores by level, keyed by its code.
    pub subdomains: BTreeMap<String, Vec<SubdomainScore>>,
    /// Each domain's profile, in the model's order.
    pub domains: Vec<DomainScore>,
    /// Requirements assessed for the industry kind.
    pub requirements: u32,
    /// Of them, not answered (scored as not met).
    pub unanswered: u32,
}

/// A requirement short of fully met at the level to reach next, and what meeting it fully adds
/// to that level's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The requirement's code.
    pub requirement: String,
    /// The answer given (`None`: not answered).
    pub answer: Option<Answer>,
    /// Thousandths of the level's score it would add (before rounding of the level).
    pub gain: u32,
}

/// The weighted mean, over `(weight, score)`, rounded; `None` when nothing weighs.
fn weighted(items: impl Iterator<Item = (u32, u32)>) -> Option<u32> {
    let (mut sum, mut weights) = (0u64, 0u64);
    for (weight, score) in items {
        sum += u64::from(weight) * u64::from(score);
        weights += u64::from(weight);
    }
    (weights > 0).then(|| rounded(sum, weights))
}

/// Adds level scores from level 1 up to and including the first below `threshold`.
fn cumulative(scores: &[u32], threshold: u32) -> (u8, u32) {
    let mut total = 0;
    let mut reached = 0u8;
    for (index, score) in scores.iter().enumerate() {
        total += score;
        if *score < threshold {
            return (reached, total);
        }
        reached = u8::try_from(index + 1).unwrap_or(u8::MAX);
    }
    (reached, total)
}

/// Scores `answers` (requirement code → answer) for an enterprise of `kind` under `model`.
/// Answers to requirements the model does not assess for `kind` are ignored (the store refuses
/// them before they get here).
pub fn score(model: &Model, kind: IndustryKind, answers: &BTreeMap<String, Answer>) -> Scorecard {
    let mut requirements = 0;
    let mut unanswered = 0;
    // (sub-domain, level) → (sum of scores, count)
    let mut sums: BTreeMap<(&str, u8), (u64, u64)> = BTreeMap::new();
    for requirement in model.requirements_for(kind) {
        requirements += 1;
        let answer = answers.get(&requirement.code).copied();
        if answer.is_none() {
            unanswered += 1;
        }
        let value = model.answer_scores.of(answer.unwrap_or(Answer::NotMet));
        let entry = sums
            .entry((requirement.subdomain.as_str(), requirement.level))
            .or_default();
        entry.0 += u64::from(value);
        entry.1 += 1;
    }
    let sub_score = |code: &str, level: u8| {
        sums.get(&(code, level))
            .map(|(sum, count)| (rounded(*sum, *count), *count))
    };

    let mut subdomains = BTreeMap::new();
    for placed in model.subdomains() {
        if placed.subdomain.weight(kind).is_none() {
            continue;
        }
        let code = placed.subdomain.code.as_str();
        let scores: Vec<SubdomainScore> = (1..=5u8)
            .filter_map(|level| {
                sub_score(code, level).map(|(score, count)| SubdomainScore {
                    level,
                    score,
                    requirements: u32::try_from(count).unwrap_or(u32::MAX),
                })
            })
            .collect();
        subdomains.insert(code.to_owned(), scores);
    }

    let level_of = |level: u8, only_domain: Option<&str>| {
        weighted(model.subdomains().filter_map(|placed| {
            if only_domain.is_some_and(|d| d != placed.domain.code) {
                return None;
            }
            let weight = placed.subdomain.weight(kind)?;
            let (score, _) = sub_score(&placed.subdomain.code, level)?;
            Some((weight, score))
        }))
    };

    let level_scores: Vec<u32> = (1..=5u8)
        .map(|level| level_of(level, None).unwrap_or(0))
        .collect();
    let (level, score) = cumulative(&level_scores, model.threshold);
    let levels = level_scores
        .iter()
        .zip(1u8..)
        .map(|(score, l)| LevelScore {
            level: l,
            score: *score,
            reached: l <= level,
        })
        .collect();

    let domains = model
        .factors
        .iter()
        .flat_map(|factor| factor.domains.iter().map(move |domain| (factor, domain)))
        .filter(|(_, domain)| domain.subdomains.iter().any(|s| s.weight(kind).is_some()))
        .map(|(factor, domain)| {
            let per_level: Vec<Option<u32>> = (1..=5u8)
                .map(|level| level_of(level, Some(&domain.code)))
                .collect();
            let counted: Vec<u32> = per_level.iter().map(|s| s.unwrap_or(1000)).collect();
            DomainScore {
                factor: factor.code.clone(),
                domain: domain.code.clone(),
                levels: per_level,
                profile: cumulative(&counted, model.threshold).1,
            }
        })
        .collect();

    Scorecard {
        level,
        score,
        levels,
        subdomains,
        domains,
        requirements,
        unanswered,
    }
}

/// What stands between the enterprise and the level after the one it reached: the requirements
/// of that level short of fully met, the largest gain first (none at level 5).
pub fn gaps(
    model: &Model,
    kind: IndustryKind,
    answers: &BTreeMap<String, Answer>,
    card: &Scorecard,
) -> Vec<Gap> {
    let target = card.level + 1;
    if target > 5 {
        return Vec::new();
    }
    let at_target: Vec<_> = model
        .requirements_for(kind)
        .filter(|r| r.level == target)
        .collect();
    // The weights of the sub-domains scored at the target level.
    let total_weight: u64 = model
        .subdomains()
        .filter(|p| at_target.iter().any(|r| r.subdomain == p.subdomain.code))
        .filter_map(|p| p.subdomain.weight(kind))
        .map(u64::from)
        .sum();
    let mut gaps: Vec<Gap> = at_target
        .iter()
        .filter_map(|requirement| {
            let answer = answers.get(&requirement.code).copied();
            let value = model.answer_scores.of(answer.unwrap_or(Answer::NotMet));
            if answer == Some(Answer::Fully) {
                return None;
            }
            let weight = model
                .subdomain(&requirement.subdomain)
                .and_then(|p| p.subdomain.weight(kind))?;
            let siblings = at_target
                .iter()
                .filter(|r| r.subdomain == requirement.subdomain)
                .count() as u64;
            let shortfall = u64::from(model.answer_scores.fully.saturating_sub(value));
            Some(Gap {
                requirement: requirement.code.clone(),
                answer,
                gain: rounded(
                    u64::from(weight) * shortfall,
                    siblings * total_weight.max(1),
                ),
            })
        })
        .collect();
    gaps.sort_by(|a, b| b.gain.cmp(&a.gain).then(a.requirement.cmp(&b.requirement)));
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    /// A small model to compute by hand: two factors, three domains, four sub-domains (one
    /// assessed only for discrete industries, one weighing twice), requirements at every level
    /// for three sub-domains and from level 2 for the fourth.
    fn small_model() -> Model {
        let mut requirements = Vec::new();
        for level in 1..=5u8 {
            for (subdomain, count) in [("plan", 2), ("make", 1), ("design", 1), ("data", 1)] {
                if subdomain == "data" && level == 1 {
                    continue;
                }
                for n in 1..=count {
                    requirements.push(serde_json::json!({
                        "code": format!("{subdomain}.{level}.{n}"),
                        "subdomain": subdomain, "level": level,
                        "zh": "要求", "en": "requirement"
                    }));
                }
            }
        }
        let level = |l: u8| serde_json::json!({"level": l, "zh": "级", "en": "L", "summary": {"zh": "级", "en": "L"}});
        let sub = |code: &str, weights: serde_json::Value| serde_json::json!({"code": code, "zh": code, "en": code, "weights": weights});
        let json = serde_json::json!({
            "format": 1, "code": "small", "revision": 1,
            "title": {"zh": "小模型", "en": "small"},
            "basis": {"zh": "测试", "en": "test"},
            "weights_source": {"zh": "测试", "en": "test"},
            "answer_scores": {"fully": 1000, "mostly": 800, "partly": 500, "not_met": 0},
            "threshold": 800,
            "levels": [level(1), level(2), level(3), level(4), level(5)],
            "factors": [
                {"code": "manufacturing", "zh": "制造", "en": "M", "domains": [
                    {"code": "production", "zh": "生产", "en": "P", "subdomains": [
                        sub("plan", serde_json::json!({"discrete": 1, "process": 1})),
                        sub("make", serde_json::json!({"discrete": 2, "process": 2}))
                    ]},
                    {"code": "design", "zh": "设计", "en": "D", "subdomains": [
                        sub("design", serde_json::json!({"discrete": 1}))
                    ]}
                ]},
                {"code": "technology", "zh": "技术", "en": "T", "domains": [
                    {"code": "data", "zh": "数据", "en": "D", "subdomains": [
                        sub("data", serde_json::json!({"discrete": 1, "process": 1}))
                    ]}
                ]}
            ],
            "requirements": requirements
        });
        Model::parse(&json.to_string()).expect("the small model is valid")
    }

    fn answers(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        pairs.iter().map(|(c, a)| ((*c).to_owned(), *a)).collect()
    }

    use Answer::{Fully, Mostly, NotMet, Partly};

    /// One enterprise's answers; the same answers scored for both kinds.
    fn mixed() -> BTreeMap<String, Answer> {
        answers(&[
            // Level 1: plan (1 + 0.5)/2 = 0.75, make 1, design 0.
            ("plan.1.1", Fully),
            ("plan.1.2", Partly),
            ("make.1.1", Fully),
            ("design.1.1", NotMet),
            // Level 2: plan (0.8 + 0.8)/2 = 0.8, make 0.8, design 1, data 0.5.
            ("plan.2.1", Mostly),
            ("plan.2.2", Mostly),
            ("make.2.1", Mostly),
            ("design.2.1", Fully),
            ("data.2.1", Partly),
            // Level 3: everything fully met (it must not count beyond a level not reached).
            ("plan.3.1", Fully),
            ("plan.3.2", Fully),
            ("make.3.1", Fully),
            ("design.3.1", Fully),
            ("data.3.1", Fully),
        ])
    }

    #[test]
    fn a_discrete_enterprise_scores_by_hand() {
        let model = small_model();
        let card = score(&model, IndustryKind::Discrete, &mixed());
        // Level 1: (1×0.75 + 2×1 + 1×0) / 4 = 0.6875 → 0.688: not reached.
        // Level 2: (0.8 + 2×0.8 + 1 + 0.5) / 5 = 0.78.
        let scores: Vec<u32> = card.levels.iter().map(|l| l.score).collect();
        assert_eq!(scores, [688, 780, 1000, 0, 0]);
        assert_eq!(card.level, 0);
        // Only level 1 counts: 0.688.
        assert_eq!(card.score, 688);
        assert_eq!(card.requirements, 24);
        assert_eq!(card.unanswered, 10);
        assert_eq!(
            card.subdomains["plan"][0],
            SubdomainScore {
                level: 1,
                score: 750,
                requirements: 2
            }
        );
        // Production (plan 1, make 2): level 1 (0.75 + 2)/3 = 0.917, level 2 0.8, level 3 1,
        // level 4 0: 0.917 + 0.8 + 1 + 0 = 2.717. Data has no level 1 (counts as met): 1 + 0.5.
        let production = &card.domains[0];
        assert_eq!(production.levels[..3], [Some(917), Some(800), Some(1000)]);
        assert_eq!(production.profile, 2717);
        let data = card.domains.iter().find(|d| d.domain == "data").unwrap();
        assert_eq!(data.levels[0], None);
        assert_eq!(data.profile, 1500);
        // The gaps are those of level 1, the largest gain first: design weighs 1 of 4, not met
        // (0.25); plan.1.2 is one of two plan requirements, partly met (1 × 0.5 / (2 × 4)).
        let gaps = gaps(&model, IndustryKind::Discrete, &mixed(), &card);
        let found: Vec<(&str, u32)> = gaps
            .iter()
            .map(|g| (g.requirement.as_str(), g.gain))
            .collect();
        assert_eq!(found, [("design.1.1", 250), ("plan.1.2", 63)]);
    }

    #[test]
    fn a_process_enterprise_scores_by_hand() {
        let model = small_model();
        let card = score(&model, IndustryKind::Process, &mixed());
        // Design is not assessed. Level 1: (0.75 + 2) / 3 = 0.917, reached.
        // Level 2: (0.8 + 1.6 + 0.5) / 4 = 0.725, not reached; level 3's 1.0 does not count.
        let scores: Vec<u32> = card.levels.iter().map(|l| l.score).collect();
        assert_eq!(scores, [917, 725, 1000, 0, 0]);
        assert_eq!(card.level, 1);
        assert_eq!(card.score, 917 + 725);
        assert!(card.levels[0].reached && !card.levels[1].reached);
        assert_eq!(card.requirements, 19);
        assert!(!card.subdomains.contains_key("design"));
        assert!(card.domains.iter().all(|d| d.domain != "design"));
        // Level 2's gaps: data weighs 1 of 4 and is partly met (0.125); plan's two are mostly
        // met (1 × 0.2 / (2 × 4) = 0.025 each); make weighs 2 (2 × 0.2 / 4 = 0.1).
        let gaps = gaps(&model, IndustryKind::Process, &mixed(), &card);
        let found: Vec<(&str, u32)> = gaps
            .iter()
            .map(|g| (g.requirement.as_str(), g.gain))
            .collect();
        assert_eq!(
            found,
            [
                ("data.2.1", 125),
                ("make.2.1", 100),
                ("plan.2.1", 25),
                ("plan.2.2", 25)
            ]
        );
    }

    #[test]
    fn levels_are_reached_only_in_order_and_scores_stay_in_their_band() {
        let model = small_model();
        let all = |answer: Answer, upto: u8| -> BTreeMap<String, Answer> {
            model
                .requirements
                .iter()
                .filter(|r| r.level <= upto)
                .map(|r| (r.code.clone(), answer))
                .collect()
        };
        // Everything fully met: level 5, 5.000.
        let card = score(&model, IndustryKind::Discrete, &all(Fully, 5));
        assert_eq!((card.level, card.score), (5, 5000));
        assert!(gaps(&model, IndustryKind::Discrete, &all(Fully, 5), &card).is_empty());
        // Mostly met everywhere: exactly the threshold, so every level is reached, 4.000.
        let card = score(&model, IndustryKind::Discrete, &all(Mostly, 5));
        assert_eq!((card.level, card.score), (5, 4000));
        // Fully met up to level 3 and nothing above: level 3, 3.000.
        let card = score(&model, IndustryKind::Process, &all(Fully, 3));
        assert_eq!((card.level, card.score), (3, 3000));
        // Nothing answered: level 0, score 0, every requirement unanswered.
        let card = score(&model, IndustryKind::Discrete, &BTreeMap::new());
        assert_eq!((card.level, card.score, card.unanswered), (0, 0, 24));
        // Partly met everywhere: level 0 with 0.5.
        let card = score(&model, IndustryKind::Discrete, &all(Partly, 5));
        assert_eq!((card.level, card.score), (0, 500));
    }

    #[test]
    fn the_shipped_model_scores_uniform_answers_as_the_method_says() {
        let model = crate::model::current();
        for kind in IndustryKind::ALL {
            let up_to = |top: u8, answer: Answer| -> BTreeMap<String, Answer> {
                model
                    .requirements_for(kind)
                    .filter(|r| r.level <= top)
                    .map(|r| (r.code.clone(), answer))
                    .collect()
            };
            let card = score(model, kind, &up_to(2, Fully));
            assert_eq!((card.level, card.score), (2, 2000), "{kind:?}");
            let card = score(model, kind, &up_to(5, Mostly));
            assert_eq!((card.level, card.score), (5, 4000), "{kind:?}");
            assert_eq!(card.domains.len(), 12, "{kind:?}");
            let gaps = gaps(
                model,
                kind,
                &up_to(2, Fully),
                &score(model, kind, &up_to(2, Fully)),
            );
            assert_eq!(
                gaps.len(),
                model
                    .requirements_for(kind)
                    .filter(|r| r.level == 3)
                    .count(),
                "{kind:?}"
            );
        }
    }
}
