//! The maturity model as versioned data: levels, capability factors with their domains and
//! sub-domains, the weight of each sub-domain per industry kind (absent: not assessed for that
//! kind), the requirements per sub-domain and level, and the scoring parameters of the method.
//!
//! A model is a JSON file under `models/` named `{code}.{revision}.json`, embedded in the binary
//! and checked when first used; a revised standard or a different weighting is a new revision,
//! and an assessment keeps the revision it was started on.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use zhizao_core::Text;

/// The model files shipped with the platform.
const MODEL_FILES: &[(&str, &str)] = &[(
    "gbt39116-2020.1.json",
    include_str!("../models/gbt39116-2020.1.json"),
)];

/// Whether an enterprise makes discrete parts and assemblies or runs a process (chemicals,
/// food, materials); the standard assesses the two with different sub-domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndustryKind {
    /// Discrete manufacturing (离散型制造).
    Discrete,
    /// Process manufacturing (流程型制造).
    Process,
}

impl IndustryKind {
    /// Both kinds.
    pub const ALL: [IndustryKind; 2] = [IndustryKind::Discrete, IndustryKind::Process];

    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            IndustryKind::Discrete => "discrete",
            IndustryKind::Process => "process",
        }
    }

    /// The kind a code names.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// Its name.
    pub fn label(self) -> Text {
        match self {
            IndustryKind::Discrete => Text::new("离散型制造", "Discrete manufacturing"),
            IndustryKind::Process => Text::new("流程型制造", "Process manufacturing"),
        }
    }
}

/// How far an enterprise meets a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Fully met (满足).
    Fully,
    /// Mostly met (大部分满足).
    Mostly,
    /// Partly met (部分满足).
    Partly,
    /// Not met (不满足).
    NotMet,
}

impl Answer {
    /// Every answer, best first.
    pub const ALL: [Answer; 4] = [
        Answer::Fully,
        Answer::Mostly,
        Answer::Partly,
        Answer::NotMet,
    ];

    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Fully => "fully",
            Answer::Mostly => "mostly",
            Answer::Partly => "partly",
            Answer::NotMet => "not_met",
        }
    }

    /// The answer a code names.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == code)
    }

    /// Its name.
    pub fn label(self) -> Text {
        match self {
            Answer::Fully => Text::new("满足", "Fully met"),
            Answer::Mostly => Text::new("大部分满足", "Mostly met"),
            Answer::Partly => Text::new("部分满足", "Partly met"),
            Answer::NotMet => Text::new("不满足", "Not met"),
        }
    }
}

/// What an answer scores, in thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerScores {
    /// Fully met.
    pub fully: u32,
    /// Mostly met.
    pub mostly: u32,
    /// Partly met.
    pub partly: u32,
    /// Not met.
    pub not_met: u32,
}

impl AnswerScores {
    /// What `answer` scores.
    pub fn of(&self, answer: Answer) -> u32 {
        match answer {
            Answer::Fully => self.fully,
            Answer::Mostly => self.mostly,
            Answer::Partly => self.partly,
            Answer::NotMet => self.not_met,
        }
    }
}

/// A maturity level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// 1 to 5.
    pub level: u8,
    /// Its name, e.g. 规划级.
    pub zh: String,
    /// Its English name.
    pub en: String,
    /// What an enterprise at this level does.
    pub summary: Text,
}

/// A capability factor (人员, 技术, 资源, 制造).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// Its code.
    pub code: String,
    /// Its name.
    pub zh: String,
    /// Its English name.
    pub en: String,
    /// Its capability domains.
    pub domains: Vec<Domain>,
}

/// A capability domain (e.g. 生产).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// Its code.
    pub code: String,
    /// Its name.
    pub zh: String,
    /// Its English name.
    pub en: String,
    /// Its sub-domains.
    pub subdomains: Vec<Subdomain>,
}

/// A capability sub-domain (e.g. 计划与调度), the unit requirements belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subdomain {
    /// Its code.
    pub code: String,
    /// Its name.
    pub zh: String,
    /// Its English name.
    pub en: String,
    /// Its weight within a level for each industry kind that assesses it.
    pub weights: BTreeMap<IndustryKind, u32>,
}

impl Subdomain {
    /// Its weight for `kind` (`None`: not assessed for that kind).
    pub fn weight(&self, kind: IndustryKind) -> Option<u32> {
        self.weights.get(&kind).copied().filter(|w| *w > 0)
    }
}

/// A fact the platform knows about an enterprise from its own records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// Devices connected to the platform.
    ConnectedDevices,
    /// Devices that sent data in the last 30 days.
    ReportingDevices,
    /// Technology-upgrade projects completed (accepted) on the platform.
    CompletedProjects,
    /// Orders completed at shared factories.
    SharedFactoryOrders,
}

/// How a fact suggests an answer: at least `fully_at` suggests fully met, at least `partly_at`
/// partly met; below, the platform suggests nothing (it may simply not know).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefillRule {
    /// The fact.
    pub fact: Fact,
    /// From this count, fully met.
    pub fully_at: u32,
    /// From this count, partly met.
    pub partly_at: u32,
}

/// A requirement of a sub-domain at a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Its code, e.g. `planning.3.1`.
    pub code: String,
    /// The sub-domain's code.
    pub subdomain: String,
    /// The level, 1 to 5.
    pub level: u8,
    /// The requirement.
    pub zh: String,
    /// In English.
    pub en: String,
    /// How the platform's records suggest an answer, if they can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<PrefillRule>,
}

/// One revision of a maturity model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// The file format (1).
    pub format: u32,
    /// The model's code, e.g. `gbt39116-2020`.
    pub code: String,
    /// Its revision; a new one is a new file.
    pub revision: u32,
    /// Its title.
    pub title: Text,
    /// What it follows and what is the project's own.
    pub basis: Text,
    /// Where the weights come from.
    pub weights_source: Text,
    /// What each answer scores, in thousandths.
    pub answer_scores: AnswerScores,
    /// The score (thousandths) a level must reach to count as reached.
    pub threshold: u32,
    /// The five levels.
    pub levels: Vec<Level>,
    /// The capability factors.
    pub factors: Vec<Factor>,
    /// Every requirement.
    pub requirements: Vec<Requirement>,
}

/// A sub-domain with where it sits.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    /// Its factor.
    pub factor: &'a Factor,
    /// Its domain.
    pub domain: &'a Domain,
    /// The sub-domain.
    pub subdomain: &'a Subdomain,
}

impl Model {
    /// `code.revision`, how assessments name the model they follow.
    pub fn key(&self) -> String {
        format!("{}.{}", self.code, self.revision)
    }

    /// Parses and checks a model file.
    ///
    /// # Errors
    /// Every problem found, one per line, naming the element.
    pub fn parse(json: &str) -> Result<Model, String> {
        let model: Model =
            serde_json::from_str(json).map_err(|e| format!("not a model file: {e}"))?;
        model.check()?;
        Ok(model)
    }

    fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if self.format != 1 {
            problems.push(format!("format {} is not 1", self.format));
        }
        let levels: Vec<u8> = self.levels.iter().map(|l| l.level).collect();
        if levels != [1, 2, 3, 4, 5] {
            problems.push(format!("the levels are {levels:?}, not 1 to 5 in order"));
        }
        let scores = self.answer_scores;
        if !(scores.fully == 1000
            && scores.fully >= scores.mostly
            && scores.mostly >= scores.partly
            && scores.partly >= scores.not_met)
        {
            problems
                .push("answer scores must be 1000 for fully met and fall from there".to_owned());
        }
        if !(1..=1000).contains(&self.threshold) {
            problems.push(format!("threshold {} is not 1 to 1000", self.threshold));
        }
        let mut codes = BTreeSet::new();
        for placed in self.subdomains() {
            let code = &placed.subdomain.code;
            if !codes.insert(code.as_str()) {
                problems.push(format!("sub-domain {code} twice"));
            }
            if IndustryKind::ALL
                .iter()
                .all(|k| placed.subdomain.weight(*k).is_none())
            {
                problems.push(format!(
                    "sub-domain {code} has no weight for any industry kind"
                ));
            }
        }
        let mut requirement_codes = BTreeSet::new();
        let mut covered = BTreeSet::new();
        for requirement in &self.requirements {
            let code = &requirement.code;
            if !requirement_codes.insert(code.as_str()) {
                problems.push(format!("requirement {code} twice"));
            }
            if !codes.contains(requirement.subdomain.as_str()) {
                problems.push(format!(
                    "requirement {code}: no sub-domain {}",
                    requirement.subdomain
                ));
            }
            if !(1..=5).contains(&requirement.level) {
                problems.push(format!("requirement {code}: level {}", requirement.level));
            }
            if requirement.zh.trim().is_empty() || requirement.en.trim().is_empty() {
                problems.push(format!("requirement {code}: a text is empty"));
            }
            if let Some(rule) = requirement.prefill
                && !(rule.partly_at >= 1 && rule.fully_at > rule.partly_at)
            {
                problems.push(format!(
                    "requirement {code}: prefill needs fully_at > partly_at >= 1"
                ));
            }
            covered.insert((requirement.subdomain.as_str(), requirement.level));
        }
        // Every level must have something to score for either kind.
        for kind in IndustryKind::ALL {
            for level in 1..=5u8 {
                let any = self.subdomains().any(|p| {
                    p.subdomain.weight(kind).is_some()
                        && covered.contains(&(p.subdomain.code.as_str(), level))
                });
                if !any {
                    problems.push(format!(
                        "level {level} has no requirement for {} industries",
                        kind.as_str()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    /// Every sub-domain with its factor and domain, in the model's order.
    pub fn subdomains(&self) -> impl Iterator<Item = Placed<'_>> {
        self.factors.iter().flat_map(|factor| {
            factor.domains.iter().flat_map(move |domain| {
                domain.subdomains.iter().map(move |subdomain| Placed {
                    factor,
                    domain,
                    subdomain,
                })
            })
        })
    }

    /// The sub-domain `code`, placed.
    pub fn subdomain(&self, code: &str) -> Option<Placed<'_>> {
        self.subdomains().find(|p| p.subdomain.code == code)
    }

    /// The requirement `code`.
    pub fn requirement(&self, code: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.code == code)
    }

    /// The level `level`.
    pub fn level(&self, level: u8) -> Option<&Level> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// Whether `requirement` is assessed for `kind` (its sub-domain has a weight for it).
    pub fn applies(&self, requirement: &Requirement, kind: IndustryKind) -> bool {
        self.subdomain(&requirement.subdomain)
            .is_some_and(|p| p.subdomain.weight(kind).is_some())
    }

    /// The requirements assessed for `kind`, in the model's order.
    pub fn requirements_for(&self, kind: IndustryKind) -> impl Iterator<Item = &Requirement> {
        self.requirements
            .iter()
            .filter(move |r| self.applies(r, kind))
    }
}

static MODELS: LazyLock<Vec<Model>> = LazyLock::new(|| {
    MODEL_FILES
        .iter()
        .map(|(name, json)| {
            // The files are part of the source and checked by a unit test, so a bad one never
            // ships; should it, this names it at start.
            Model::parse(json).unwrap_or_else(|e| panic!("model file {name}: {e}"))
        })
        .collect()
});

/// Every model revision shipped, in file order.
pub fn models() -> &'static [Model] {
    &MODELS
}

/// The model `code` at `revision`.
pub fn find(code: &str, revision: u32) -> Option<&'static Model> {
    models()
        .iter()
        .find(|m| m.code == code && m.revision == revision)
}

/// The model a key `code.revision` names.
pub fn by_key(key: &str) -> Option<&'static Model> {
    let (code, revision) = key.rsplit_once('.')?;
    find(code, revision.parse().ok()?)
}

/// The latest revision of the model new assessments follow.
pub fn current() -> &'static Model {
    models()
        .iter()
        .max_by_key(|m| m.revision)
        .expect("at least one model ships")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_follows_the_standards_structure() {
        for (name, json) in MODEL_FILES {
            let model = Model::parse(json).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(format!("{}.json", model.key()), *name);
            let factors: Vec<&str> = model.factors.iter().map(|f| f.zh.as_str()).collect();
            assert_eq!(factors, ["人员", "技术", "资源", "制造"]);
            let domains = model.factors.iter().map(|f| f.domains.len()).sum::<usize>();
            assert_eq!(domains, 12);
            assert_eq!(model.subdomains().count(), 20);
            let levels: Vec<&str> = model.levels.iter().map(|l| l.zh.as_str()).collect();
            assert_eq!(levels, ["规划级", "规范级", "集成级", "优化级", "引领级"]);
            // Process industries do not assess product design; everything else is common.
            let process = model
                .subdomains()
                .filter(|p| p.subdomain.weight(IndustryKind::Process).is_some())
                .count();
            assert_eq!(process, 19);
            assert!(model.subdomain("product-design").is_some());
            // Every sub-domain has requirements from level 2 up.
            for placed in model.subdomains() {
                for level in 2..=5 {
                    assert!(
                        model
                            .requirements
                            .iter()
                            .any(|r| r.subdomain == placed.subdomain.code && r.level == level),
                        "{} has nothing at level {level}",
                        placed.subdomain.code
                    );
                }
            }
        }
        assert!(by_key(&current().key()).is_some());
        assert!(by_key("gbt39116-2020.99").is_none());
        assert!(by_key("nonsense").is_none());
    }

    /// (what is wrong with the file, the words the error names)
    const BROKEN: &[(&str, &str)] = &[
        (r#"{"format": 1"#, "not a model file"),
        (r#"{"format": 1, "surprise": true}"#, "unknown field"),
    ];

    #[test]
    fn a_broken_model_file_is_named() {
        for (json, words) in BROKEN {
            let error = Model::parse(json).unwrap_err();
            assert!(error.contains(words), "{json}: {error}");
        }
        // A requirement on a sub-domain that does not exist, and a level 6.
        let mut model: serde_json::Value =
            serde_json::from_str(MODEL_FILES[0].1).expect("the shipped model is JSON");
        model["requirements"][0]["subdomain"] = "nowhere".into();
        model["requirements"][1]["level"] = 6.into();
        let error = Model::parse(&model.to_string()).unwrap_err();
        assert!(error.contains("no sub-domain nowhere"), "{error}");
        assert!(error.contains("level 6"), "{error}");
    }
}
