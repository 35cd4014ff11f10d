//! The smart-manufacturing platform's diagnoses: submitted maturity self-assessments of some of
//! its client enterprises over the last four years, answered from a capability drawn per
//! enterprise (most at level 1 or 2, fewer at 3, a handful at 4, as assessment services report
//! for small manufacturers), and one for the demo enterprise a year ago, at level 1, so that its
//! user can start this year's and compare.

use std::collections::BTreeMap;

use sqlx::AnyConnection;
use zhizao_assessment::history::record_submitted;
use zhizao_assessment::model::{self, Answer, IndustryKind, Model};
use zhizao_core::Timestamp;
use zhizao_identity::Actor;

use crate::Error;
use crate::random::SplitMix64;

/// A seed of its own, so adding assessments changes nothing else in the demo.
const SEED: u64 = 0x39116_39117;
/// Client enterprises of the smart-manufacturing platform assessed.
const ASSESSED: usize = 240;
const DAY_MS: i64 = 86_400_000;

/// GB/T 4754 divisions whose makers run a process (food, paper, chemicals, medicines, fibres,
/// building materials, metals); the others make discrete parts and products.
const PROCESS_DIVISIONS: &[&str] = &[
    "13", "14", "15", "17", "22", "25", "26", "27", "28", "30", "31", "32",
];

fn kind_of(industry: &str) -> IndustryKind {
    if PROCESS_DIVISIONS.iter().any(|d| industry.starts_with(d)) {
        IndustryKind::Process
    } else {
        IndustryKind::Discrete
    }
}

/// Answers for an enterprise whose capability is `capability` (about the level it works at).
fn answers(
    model: &Model,
    kind: IndustryKind,
    capability: f64,
    random: &mut SplitMix64,
) -> BTreeMap<String, Answer> {
    model
        .requirements_for(kind)
        .map(|r| {
            let margin = capability - f64::from(r.level) + (random.unit() - 0.5) * 1.2;
            let answer = if margin > 0.6 {
                Answer::Fully
            } else if margin > 0.1 {
                Answer::Mostly
            } else if margin > -0.4 {
                Answer::Partly
            } else {
                Answer::NotMet
            };
            (r.code.clone(), answer)
        })
        .collect()
}

/// Records the demo assessments; returns how many.
pub(crate) async fn load(
    connection: &mut AnyConnection,
    now: Timestamp,
    maker_id: Option<i64>,
) -> Result<usize, Error> {
    let model = model::current();
    let actor = Actor::system("smart-manufacturing");
    let mut random = SplitMix64::new(SEED);
    let clients: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT e.id, e.industry_code, e.above_designated_size FROM platform_clients c \
         JOIN organizations o ON o.id = c.platform_id JOIN enterprises e ON e.id = c.enterprise_id \
         WHERE o.code = 'smart-manufacturing' ORDER BY e.id",
    )
    .fetch_all(&mut *connection)
    .await?;
    let mut recorded = 0;
    for (id, industry, above_size) in clients
        .iter()
        .filter(|(id, _, _)| Some(*id) != maker_id)
        .step_by(2)
        .take(ASSESSED)
    {
        let kind = kind_of(industry);
        // Skewed low: most small makers plan and standardise; larger ones integrate.
        let base = 1.0 + 2.4 * random.unit().powf(1.6);
        let capability = base + if *above_size == 1 { 0.5 } else { 0.0 };
        let given = answers(model, kind, capability, &mut random);
        let days_ago = random.between(20, 4 * 365);
        record_submitted(
            connection,
            &actor,
            *id,
            model,
            kind,
            &given,
            now.plus_millis(-days_ago * DAY_MS),
        )
        .await?;
        recorded += 1;
    }
    if let Some(maker) = maker_id {
        let given = answers(model, IndustryKind::Discrete, 1.35, &mut random);
        record_submitted(
            connection,
            &Actor::system("demo"),
            maker,
            model,
            IndustryKind::Discrete,
            &given,
            now.plus_millis(-365 * DAY_MS),
        )
        .await?;
        recorded += 1;
    }
    Ok(recorded)
}
