//! Answers suggested from what the platform already knows about an enterprise — its connected
//! devices and the data they send, the upgrade projects it completed, its orders at shared
//! factories — each with the evidence it rests on, for the enterprise to confirm or correct.
//! Pure: the facts come in, the suggestions go out.

use serde::Serialize;
use zhizao_core::Text;

use crate::model::{Answer, Fact, IndustryKind, Model, PrefillRule};

/// What the platform's records say about one enterprise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Devices connected (not disabled).
    pub connected_devices: u32,
    /// Of them, those that sent data in the last 30 days.
    pub reporting_devices: u32,
    /// Upgrade projects completed on the platform: (number, name).
    pub completed_projects: Vec<(String, String)>,
    /// Orders completed at shared factories.
    pub shared_factory_orders: u32,
}

impl Facts {
    fn count(&self, fact: Fact) -> u32 {
        match fact {
            Fact::ConnectedDevices => self.connected_devices,
            Fact::ReportingDevices => self.reporting_devices,
            Fact::CompletedProjects => {
                u32::try_from(self.completed_projects.len()).unwrap_or(u32::MAX)
            }
            Fact::SharedFactoryOrders => self.shared_factory_orders,
        }
    }

    /// The evidence behind a count, in both languages.
    fn evidence(&self, fact: Fact) -> Text {
        match fact {
            Fact::ConnectedDevices => Text::owned(
                format!(
                    "平台上已接入 {} 台设备（近 30 天有 {} 台上报数据）",
                    self.connected_devices, self.reporting_devices
                ),
                format!(
                    "{} devices connected to the platform ({} sent data in the last 30 days)",
                    self.connected_devices, self.reporting_devices
                ),
            ),
            Fact::ReportingDevices => Text::owned(
                format!(
                    "近 30 天有 {} 台设备向平台上报运行数据（共接入 {} 台）",
                    self.reporting_devices, self.connected_devices
                ),
                format!(
                    "{} devices sent data to the platform in the last 30 days (of {} connected)",
                    self.reporting_devices, self.connected_devices
                ),
            ),
            Fact::CompletedProjects => {
                let list = self
                    .completed_projects
                    .iter()
                    .take(5)
                    .map(|(number, name)| format!("{number} {name}"))
                    .collect::<Vec<_>>();
                Text::owned(
                    format!(
                        "平台上已验收的技术改造项目 {} 个：{}",
                        self.completed_projects.len(),
                        list.join("；")
                    ),
                    format!(
                        "upgrade projects accepted on the platform ({}): {}",
                        self.completed_projects.len(),
                        list.join("; ")
                    ),
                )
            }
            Fact::SharedFactoryOrders => Text::owned(
                format!("在平台共享工厂完成订单 {} 笔", self.shared_factory_orders),
                format!(
                    "{} orders completed at the platform's shared factories",
                    self.shared_factory_orders
                ),
            ),
        }
    }
}

/// An answer the platform suggests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The requirement's code.
    pub requirement: String,
    /// The answer suggested.
    pub answer: Answer,
    /// What it rests on.
    pub evidence: Text,
}

fn suggested(rule: PrefillRule, count: u32) -> Option<Answer> {
    if count >= rule.fully_at {
        Some(Answer::Fully)
    } else if count >= rule.partly_at {
        Some(Answer::Partly)
    } else {
        None
    }
}

/// The answers `facts` suggest for the requirements of `model` assessed for `kind`; where the
/// records show nothing, nothing is suggested (the platform may simply not know).
pub fn suggest(model: &Model, kind: IndustryKind, facts: &Facts) -> Vec<Suggestion> {
    model
        .requirements_for(kind)
        .filter_map(|requirement| {
            let rule = requirement.prefill?;
            let answer = suggested(rule, facts.count(rule.fact))?;
            Some(Suggestion {
                requirement: requirement.code.clone(),
                answer,
                evidence: facts.evidence(rule.fact),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::current;

    #[test]
    fn the_records_suggest_answers_with_their_evidence() {
        let model = current();
        let with_prefill: Vec<_> = model
            .requirements
            .iter()
            .filter_map(|r| r.prefill.map(|p| (r.code.clone(), p)))
            .collect();
        assert!(with_prefill.len() >= 4, "{with_prefill:?}");
        // Nothing known: nothing suggested.
        assert!(suggest(model, IndustryKind::Discrete, &Facts::default()).is_empty());
        // Plenty of everything: every rule suggests fully met.
        let plenty = Facts {
            connected_devices: 100,
            reporting_devices: 100,
            completed_projects: (1..=5)
                .map(|n| (format!("JG2026-{n:04}"), "智能产线改造".to_owned()))
                .collect(),
            shared_factory_orders: 100,
        };
        let all = suggest(model, IndustryKind::Discrete, &plenty);
        assert_eq!(all.len(), with_prefill.len());
        assert!(all.iter().all(|s| s.answer == Answer::Fully));
        // Exactly the partial threshold of each rule: partly met, and the evidence says why.
        for (code, rule) in &with_prefill {
            let mut facts = Facts::default();
            let n = rule.partly_at;
            match rule.fact {
                Fact::ConnectedDevices => facts.connected_devices = n,
                Fact::ReportingDevices => facts.reporting_devices = n,
                Fact::CompletedProjects => {
                    facts.completed_projects = (0..n)
                        .map(|i| (format!("JG2025-{i:04}"), "MES 上线".to_owned()))
                        .collect();
                }
                Fact::SharedFactoryOrders => facts.shared_factory_orders = n,
            }
            let found = suggest(model, IndustryKind::Discrete, &facts);
            let mine = found
                .iter()
                .find(|s| &s.requirement == code)
                .unwrap_or_else(|| panic!("{code} suggested nothing at {n}"));
            assert_eq!(mine.answer, Answer::Partly, "{code}");
            assert!(
                mine.evidence.zh.contains(&n.to_string()),
                "{code}: {:?}",
                mine.evidence
            );
            // One below: nothing for this requirement.
            let mut less = facts.clone();
            match rule.fact {
                Fact::ConnectedDevices => less.connected_devices -= 1,
                Fact::ReportingDevices => less.reporting_devices -= 1,
                Fact::CompletedProjects => {
                    less.completed_projects.pop();
                }
                Fact::SharedFactoryOrders => less.shared_factory_orders -= 1,
            }
            assert!(
                suggest(model, IndustryKind::Discrete, &less)
                    .iter()
                    .all(|s| &s.requirement != code),
                "{code}"
            );
        }
    }
}
