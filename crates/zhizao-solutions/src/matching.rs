//! Matching, pure: an enterprise's maturity (the level it reached and each sub-domain's score
//! per level, from its latest submitted assessment) and its industry rank the published
//! solutions, each with the reasons.
//!
//! A solution scores, for each sub-domain and level it raises, how much the enterprise lacks
//! there (1 − its score at that level) times how near that level is: the next level to reach
//! counts fully, the one after half, levels already reached a fifth (a weak spot under a level
//! reached), further ones a quarter. A solution made for other industries is left out; one made
//! for the enterprise's own counts a fifth more. Scores are in thousandths; ties go to the
//! newer solution.

use std::collections::BTreeMap;

use serde::Serialize;
use zhizao_assessment::Scorecard;
use zhizao_assessment::model::Model;
use zhizao_core::Text;

use crate::library::Solution;

/// What matching knows of an enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Its GB/T 4754 class code.
    pub industry_code: String,
    /// The level reached, 0–5.
    pub level: u8,
    /// Each assessed sub-domain's score (thousandths) by level.
    pub scores: BTreeMap<String, BTreeMap<u8, u32>>,
}

impl Profile {
    /// The profile a submitted assessment's scorecard gives.
    pub fn from_scorecard(industry_code: &str, card: &Scorecard) -> Self {
        Profile {
            industry_code: industry_code.to_owned(),
            level: card.level,
            scores: card
                .subdomains
                .iter()
                .map(|(code, levels)| {
                    (
                        code.clone(),
                        levels.iter().map(|s| (s.level, s.score)).collect(),
                    )
                })
                .collect(),
        }
    }
}

/// A solution ranked for an enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// The solution's id.
    pub solution: i64,
    /// How well it fits, thousandths.
    pub score: u32,
    /// Why, most weighty first.
    pub reasons: Vec<Text>,
}

/// How near `level` is for an enterprise at `reached`, in thousandths.
fn nearness(reached: u8, level: u8) -> u32 {
    if level <= reached {
        200
    } else if level == reached + 1 {
        1000
    } else if level == reached + 2 {
        500
    } else {
        250
    }
}

/// The published `solutions` ranked for `profile` under `model`, best first; those that fit
/// nothing (nothing lacking where they act, or made for other industries) are left out.
pub fn rank(model: &Model, solutions: &[Solution], profile: &Profile) -> Vec<Match> {
    let division: String = profile.industry_code.chars().take(2).collect();
    let mut matches: Vec<(Match, i64)> = solutions
        .iter()
        .filter(|s| s.industries.is_empty() || s.industries.contains(&division))
        .filter_map(|solution| {
            let mut weighted: Vec<(u32, Text)> = Vec::new();
            for target in &solution.targets {
                let Some(score) = profile
                    .scores
                    .get(&target.subdomain)
                    .and_then(|levels| levels.get(&target.level))
                else {
                    continue;
                };
                let lack = 1000u32.saturating_sub(*score);
                let weight = lack * nearness(profile.level, target.level) / 1000;
                if weight == 0 {
                    continue;
                }
                let name = model
                    .subdomain(&target.subdomain)
                    .map(|p| (p.subdomain.zh.clone(), p.subdomain.en.clone()))
                    .unwrap_or_else(|| (target.subdomain.clone(), target.subdomain.clone()));
                let level = model
                    .level(target.level)
                    .map(|l| (l.zh.clone(), l.en.clone()))
                    .unwrap_or_default();
                let shown = format!("{}.{:03}", score / 1000, score % 1000);
                weighted.push((
                    weight,
                    Text::owned(
                        format!(
                            "提升“{}”至{}：本企业该子域此级得分 {shown}",
                            name.0, level.0
                        ),
                        format!(
                            "raises {} to level {} ({}), where the enterprise scores {shown}",
                            name.1, target.level, level.1
                        ),
                    ),
                ));
            }
            if weighted.is_empty() {
                return None;
            }
            weighted.sort_by_key(|w| std::cmp::Reverse(w.0));
            let mut score: u32 = weighted.iter().map(|(w, _)| w).sum();
            let mut reasons: Vec<Text> = weighted.into_iter().map(|(_, t)| t).collect();
            if solution.industries.is_empty() {
                reasons.push(Text::new("适用各行业", "for any industry"));
            } else {
                score = score * 6 / 5;
                reasons.push(Text::owned(
                    format!("面向本行业（大类 {division}）"),
                    format!("made for the enterprise's industry (division {division})"),
                ));
            }
            Some((
                Match {
                    solution: solution.id,
                    score,
                    reasons,
                },
                solution.id,
            ))
        })
        .collect();
    matches.sort_by(|a, b| b.0.score.cmp(&a.0.score).then(b.1.cmp(&a.1)));
    matches.into_iter().map(|(m, _)| m).collect()
}

#[cfg(test)]
mod tests {
    use zhizao_core::{Fen, Timestamp};

    use super::*;
    use crate::library::{SolutionStatus, Target};

    fn solution(id: i64, targets: &[(&str, u8)], industries: &[&str]) -> Solution {
        Solution {
            id,
            provider_id: 1,
            provider_code: "smart".into(),
            provider_name: "智能制造平台".into(),
            title: format!("方案 {id}"),
            summary: "x".into(),
            targets: targets
                .iter()
                .map(|(s, l)| Target {
                    subdomain: (*s).into(),
                    level: *l,
                })
                .collect(),
            industries: industries.iter().map(|s| (*s).to_owned()).collect(),
            investment_min: Fen::new(0),
            investment_max: Fen::new(0),
            payback_months: None,
            references: String::new(),
            status: SolutionStatus::Published,
            updated_at: Timestamp::from_millis(0),
            version: 1,
        }
    }

    /// An appliance maker (division 38) at level 1: planning weak at level 2 (0.2), equipment
    /// nearly there (0.9), energy weak at level 1 (0.5) and at level 3 (0).
    fn profile() -> Profile {
        let mut scores = BTreeMap::new();
        scores.insert(
            "planning".to_owned(),
            BTreeMap::from([(1, 1000), (2, 200), (3, 0)]),
        );
        scores.insert(
            "equipment".to_owned(),
            BTreeMap::from([(1, 1000), (2, 900)]),
        );
        scores.insert("energy".to_owned(), BTreeMap::from([(1, 500), (3, 0)]));
        Profile {
            industry_code: "3851".into(),
            level: 1,
            scores,
        }
    }

    #[test]
    fn solutions_rank_by_what_the_enterprise_lacks_where_they_act() {
        let model = zhizao_assessment::model::current();
        let solutions = [
            // APS at level 2: lacks 0.8 at the next level → 800.
            solution(1, &[("planning", 2)], &[]),
            // Equipment at level 2: lacks 0.1 → 100; for its industry → 120.
            solution(2, &[("equipment", 2)], &["38"]),
            // Energy at level 1 (reached: a fifth of 0.5 → 100) and level 3 (half of 1 → 500).
            solution(3, &[("energy", 1), ("energy", 3)], &[]),
            // For textile makers only: left out.
            solution(4, &[("planning", 2)], &["17"]),
            // Planning at level 1, already fully met: nothing lacking, left out.
            solution(5, &[("planning", 1)], &[]),
        ];
        let ranked = rank(model, &solutions, &profile());
        let found: Vec<(i64, u32)> = ranked.iter().map(|m| (m.solution, m.score)).collect();
        assert_eq!(found, [(1, 800), (3, 600), (2, 120)]);
        // The reasons name the sub-domain, the level and the score, then the industry.
        let reasons: Vec<&str> = ranked[0].reasons.iter().map(|r| r.zh.as_ref()).collect();
        assert_eq!(
            reasons,
            [
                "提升“计划与调度”至规范级：本企业该子域此级得分 0.200",
                "适用各行业"
            ]
        );
        assert!(ranked[2].reasons.last().unwrap().zh.contains("大类 38"));
        // A tie goes to the newer solution.
        let tied = rank(
            model,
            &[
                solution(7, &[("planning", 2)], &[]),
                solution(8, &[("planning", 2)], &[]),
            ],
            &profile(),
        );
        assert_eq!(tied[0].solution, 8);
    }
}
