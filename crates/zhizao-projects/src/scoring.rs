//! Expert review of major science-and-technology projects, as pure functions: weighted
//! criteria, an expert's total, the aggregation of several experts' totals with outlier
//! handling, conflicts of interest, and the assignment of experts to applications.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zhizao_core::{FieldError, Text};

/// A scoring criterion and its weight (weights of a call add up to 100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Its name, e.g. 技术先进性.
    pub name: String,
    /// Its weight in percent.
    pub weight: i64,
}

/// Problems with a call's criteria, each naming its field.
pub fn validate_criteria(criteria: &[Criterion]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if criteria.is_empty() || criteria.len() > 20 {
        errors.push(FieldError::new(
            "criteria",
            Text::new("评分标准须有 1 至 20 项", "give 1 to 20 criteria"),
        ));
    }
    for (index, criterion) in criteria.iter().enumerate() {
        let name = criterion.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            errors.push(FieldError::new(
                format!("criteria[{index}].name"),
                Text::new("名称必填，最长 50 字", "required, at most 50 characters"),
            ));
        }
        if !(1..=100).contains(&criterion.weight) {
            errors.push(FieldError::new(
                format!("criteria[{index}].weight"),
                Text::new(
                    "权重须在 1 至 100 之间",
                    "the weight must be between 1 and 100",
                ),
            ));
        }
        if criteria[..index].iter().any(|c| c.name.trim() == name) {
            errors.push(FieldError::new(
                format!("criteria[{index}].name"),
                Text::new("评分标准重名", "two criteria have the same name"),
            ));
        }
    }
    let sum: i64 = criteria
        .iter()
        .fold(0i64, |sum, c| sum.saturating_add(c.weight));
    if !criteria.is_empty() && sum != 100 {
        errors.push(FieldError::new(
            "criteria",
            Text::owned(
                format!("权重合计须为 100，现为 {sum}"),
                format!("the weights must add up to 100, not {sum}"),
            ),
        ));
    }
    errors
}

/// An expert's weighted total in thousandths of a point (0–100,000), or the problems with the
/// scores: every criterion scored once, 0–100, nothing else.
pub fn weighted_total(
    criteria: &[Criterion],
    scores: &BTreeMap<String, i64>,
) -> Result<i64, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut total = 0i64;
    for criterion in criteria {
        match scores.get(criterion.name.trim()) {
            None => errors.push(FieldError::new(
                format!("scores.{}", criterion.name),
                Text::new("未评分", "is not scored"),
            )),
            Some(score) if !(0..=100).contains(score) => errors.push(FieldError::new(
                format!("scores.{}", criterion.name),
                Text::new(
                    "分数须在 0 至 100 之间",
                    "the score must be between 0 and 100",
                ),
            )),
            // weight (percent) × score (points) = hundredths of a point; ×10 = thousandths.
            Some(score) => total += criterion.weight * score * 10,
        }
    }
    for name in scores.keys() {
        if !criteria.iter().any(|c| c.name.trim() == name) {
            errors.push(FieldError::new(
                format!("scores.{name}"),
                Text::new("不是本批次的评分标准", "is not a criterion of this call"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(total)
    } else {
        Err(errors)
    }
}

/// How several experts' totals became one score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aggregate {
    /// The score in thousandths of a point.
    pub score_milli: i64,
    /// The totals that counted.
    pub counted: Vec<i64>,
    /// The totals left out (the highest and the lowest, with five or more experts).
    pub dropped: Vec<i64>,
    /// Totals more than [`OUTLIER_MILLI`] from the median, for the panel to look at.
    pub outliers: Vec<i64>,
}

/// How far from the median a total must be to be flagged (20 points).
pub const OUTLIER_MILLI: i64 = 20_000;

/// The score of an application from its experts' totals: with five or more, the highest and
/// the lowest are dropped and the rest averaged (a trimmed mean, so one extreme expert cannot
/// decide); with fewer, all are averaged. Totals far from the median are flagged either way.
/// Rounded half up to the thousandth.
pub fn aggregate(totals: &[i64]) -> Option<Aggregate> {
    if totals.is_empty() {
        return None;
    }
    let mut sorted = totals.to_vec();
    sorted.sort_unstable();
    let median2 = if sorted.len() % 2 == 1 {
        sorted[sorted.len() / 2] * 2
    } else {
        sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]
    };
    let outliers = sorted
        .iter()
        .copied()
        .filter(|t| (t * 2 - median2).abs() > OUTLIER_MILLI * 2)
        .collect();
    let (counted, dropped) = if sorted.len() >= 5 {
        let last = sorted.len() - 1;
        (sorted[1..last].to_vec(), vec![sorted[0], sorted[last]])
    } else {
        (sorted.clone(), Vec::new())
    };
    let sum: i64 = counted.iter().sum();
    let n = counted.len() as i64;
    let score_milli = (sum * 2 + n) / (2 * n);
    Some(Aggregate {
        score_milli,
        counted,
        dropped,
        outliers,
    })
}

/// An expert as assignment sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertCandidate {
    /// User id.
    pub user_id: i64,
    /// The credit code of the organisation they work for, if any.
    pub affiliation_credit_code: Option<String>,
    /// Credit codes of organisations they declared a relation with.
    pub declared_relations: Vec<String>,
    /// Topics they review.
    pub fields: Vec<String>,
    /// Applications already assigned to them in this call.
    pub load: usize,
}

/// Why an expert may not review an applicant, if they may not.
pub fn conflict(expert: &ExpertCandidate, applicant_credit_code: &str) -> Option<Text> {
    if expert.affiliation_credit_code.as_deref() == Some(applicant_credit_code) {
        return Some(Text::new(
            "专家与申报单位为同一单位",
            "the expert works for the applicant",
        ));
    }
    if expert
        .declared_relations
        .iter()
        .any(|code| code == applicant_credit_code)
    {
        return Some(Text::new(
            "专家已申报与申报单位存在利益关系",
            "the expert declared a relation with the applicant",
        ));
    }
    None
}

/// Chooses up to `count` experts for an application on `topic` by `applicant`: never one with
/// a conflict of interest; among the rest, those who review the topic first, then the least
/// loaded, then by user id, so the choice is the same every time.
pub fn choose_experts(
    candidates: &[ExpertCandidate],
    applicant_credit_code: &str,
    topic: &str,
    count: usize,
) -> Vec<i64> {
    let mut eligible: Vec<&ExpertCandidate> = candidates
        .iter()
        .filter(|e| conflict(e, applicant_credit_code).is_none())
        .collect();
    eligible.sort_by_key(|e| (!e.fields.iter().any(|f| f == topic), e.load, e.user_id));
    eligible.iter().take(count).map(|e| e.user_id).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn criteria() -> Vec<Criterion> {
        vec![
            Criterion {
                name: "技术先进性".into(),
                weight: 40,
            },
            Criterion {
                name: "产业化前景".into(),
                weight: 35,
            },
            Criterion {
                name: "团队能力".into(),
                weight: 25,
            },
        ]
    }

    #[test]
    fn totals_are_weighted_by_hand() {
        let scores: BTreeMap<String, i64> =
            [("技术先进性", 90), ("产业化前景", 80), ("团队能力", 71)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
        // 0.40 × 90 + 0.35 × 80 + 0.25 × 71 = 36 + 28 + 17.75 = 81.75 points.
        assert_eq!(weighted_total(&criteria(), &scores), Ok(81_750));
        let mut bad = scores.clone();
        bad.insert("团队能力".into(), 101);
        bad.insert("颜值".into(), 50);
        bad.remove("产业化前景");
        let fields: Vec<String> = weighted_total(&criteria(), &bad)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["scores.产业化前景", "scores.团队能力", "scores.颜值"]
        );
    }

    #[test]
    fn criteria_weights_add_up_to_100() {
        assert!(validate_criteria(&criteria()).is_empty());
        let mut bad = criteria();
        bad[2].weight = 30;
        bad.push(Criterion {
            name: "技术先进性".into(),
            weight: 0,
        });
        let fields: Vec<String> = validate_criteria(&bad)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["criteria[3].weight", "criteria[3].name", "criteria"]
        );
    }

    #[test]
    fn five_or_more_experts_lose_their_extremes_and_outliers_are_flagged() {
        // Medians 80: the 40 is an outlier and dropped; the 95 is dropped as the highest.
        let aggregate = aggregate(&[80_000, 95_000, 40_000, 82_000, 78_000]).unwrap();
        assert_eq!(aggregate.dropped, [40_000, 95_000]);
        assert_eq!(aggregate.counted, [78_000, 80_000, 82_000]);
        assert_eq!(aggregate.score_milli, 80_000);
        assert_eq!(aggregate.outliers, [40_000]);
        // Three experts: a plain mean, rounded half up.
        let three = super::aggregate(&[80_000, 81_000, 81_001]).unwrap();
        assert_eq!(three.score_milli, 80_667);
        assert!(three.dropped.is_empty());
        assert_eq!(super::aggregate(&[]), None);
    }

    #[test]
    fn conflicted_experts_are_never_chosen() {
        let expert =
            |user_id, affiliation: Option<&str>, relations: &[&str], fields: &[&str], load| {
                ExpertCandidate {
                    user_id,
                    affiliation_credit_code: affiliation.map(str::to_owned),
                    declared_relations: relations.iter().map(|r| (*r).to_owned()).collect(),
                    fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                    load,
                }
            };
        let pool = [
            expert(1, Some("APPLICANT"), &[], &["人工智能"], 0),
            expert(2, Some("UNI"), &["APPLICANT"], &["人工智能"], 0),
            expert(3, Some("UNI"), &[], &["芯片"], 0),
            expert(4, None, &[], &["人工智能"], 3),
            expert(5, None, &[], &["人工智能"], 1),
        ];
        assert_eq!(choose_experts(&pool, "APPLICANT", "人工智能", 3), [5, 4, 3]);
        assert!(
            conflict(&pool[0], "APPLICANT")
                .unwrap()
                .en
                .contains("works for")
        );
        assert!(
            conflict(&pool[1], "APPLICANT")
                .unwrap()
                .en
                .contains("declared")
        );
        assert_eq!(choose_experts(&pool, "APPLICANT", "人工智能", 10).len(), 3);
    }

    proptest! {
        #[test]
        fn the_score_lies_within_the_counted_totals(totals in proptest::collection::vec(0i64..=100_000, 1..12)) {
            let aggregate = aggregate(&totals).unwrap();
            let min = *aggregate.counted.iter().min().unwrap();
            let max = *aggregate.counted.iter().max().unwrap();
            prop_assert!(min <= aggregate.score_milli && aggregate.score_milli <= max);
            prop_assert_eq!(aggregate.counted.len() + aggregate.dropped.len(), totals.len());
        }
    }
}
