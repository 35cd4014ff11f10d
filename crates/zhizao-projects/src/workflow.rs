//! The review flow of an application, as one table of transitions.
//!
//! ```text
//! draft ──submit──► town_review ──town_approve──► city_review ──start_notice──► public_notice
//!   ▲                  │   ▲                       │  ▲    │                         │
//!   │ (fix, resubmit)  │   │              send_to_experts  finish          approve (after the
//! returned ◄──return───┴───┴──────return───────────┤  │    ▼                notice period, no
//!                                                  └─expert_review ──start_notice──┘  open objection)
//!                                                                                   ▼
//!   disbursed ◄──disburse── accepted ◄──accept── acceptance_review ◄──report_completion── approved
//! ```
//!
//! `reject` ends an application from any review stage; `withdraw` lets the applicant take it back
//! before the town has acted. Who may take a step is part of the table, so the whole flow can be
//! checked for every status, action and role (see the tests).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zhizao_core::{Role, Text};

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written by the enterprise.
    Draft,
    /// Sent back to the enterprise with comments; editable like a draft.
    Returned,
    /// Submitted; waiting for the enterprise's town to review it.
    TownReview,
    /// Recommended by the town; waiting for the city.
    CityReview,
    /// With an expert panel, at the city's request.
    ExpertReview,
    /// On public notice (公示), open to objections until the notice period ends.
    PublicNotice,
    /// Approved (entered into the project library; for subsidy programmes, a grant is recorded).
    Approved,
    /// Refused, with reasons.
    Rejected,
    /// The enterprise reported the project complete; waiting for completion acceptance (验收).
    AcceptanceReview,
    /// Completion accepted; waiting for the subsidy to be paid.
    Accepted,
    /// The subsidy was paid.
    Disbursed,
    /// Taken back by the enterprise.
    Withdrawn,
}

impl Status {
    /// Every status, in flow order.
    pub const ALL: &'static [Status] = &[
        Status::Draft,
        Status::Returned,
        Status::TownReview,
        Status::CityReview,
        Status::ExpertReview,
        Status::PublicNotice,
        Status::Approved,
        Status::Rejected,
        Status::AcceptanceReview,
        Status::Accepted,
        Status::Disbursed,
        Status::Withdrawn,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Returned => "returned",
            Status::TownReview => "town_review",
            Status::CityReview => "city_review",
            Status::ExpertReview => "expert_review",
            Status::PublicNotice => "public_notice",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::AcceptanceReview => "acceptance_review",
            Status::Accepted => "accepted",
            Status::Disbursed => "disbursed",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// The status as people read it.
    pub fn label(self) -> Text {
        match self {
            Status::Draft => Text::new("草稿", "Draft"),
            Status::Returned => Text::new("已退回修改", "Returned for changes"),
            Status::TownReview => Text::new("待镇街审核", "Waiting for town review"),
            Status::CityReview => Text::new("待市级审核", "Waiting for city review"),
            Status::ExpertReview => Text::new("专家评审中", "With experts"),
            Status::PublicNotice => Text::new("公示中", "On public notice"),
            Status::Approved => Text::new("已立项", "Approved"),
            Status::Rejected => Text::new("未通过", "Rejected"),
            Status::AcceptanceReview => Text::new("待验收", "Waiting for acceptance"),
            Status::Accepted => Text::new("已验收待拨付", "Accepted, awaiting payment"),
            Status::Disbursed => Text::new("已拨付", "Disbursed"),
            Status::Withdrawn => Text::new("已撤回", "Withdrawn"),
        }
    }

    /// Whether the enterprise may change the application's content.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }

    /// Whether the application is still moving (not rejected, withdrawn or paid).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Rejected | Status::Withdrawn | Status::Disbursed
        )
    }

    /// Who the application is waiting on, if anyone.
    pub fn waiting_on(self) -> Option<Party> {
        match self {
            Status::Draft | Status::Returned | Status::Approved => Some(Party::Enterprise),
            Status::TownReview => Some(Party::Town),
            Status::CityReview
            | Status::PublicNotice
            | Status::AcceptanceReview
            | Status::Accepted => Some(Party::City),
            Status::ExpertReview => Some(Party::Experts),
            Status::Rejected | Status::Disbursed | Status::Withdrawn => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {what}; expected one of {expected}")]
pub struct UnknownValue {
    /// What kind of value.
    pub what: &'static str,
    /// The value given.
    pub value: String,
    /// The accepted values, comma separated.
    pub expected: String,
}

impl FromStr for Status {
    type Err = UnknownValue;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| UnknownValue {
                what: "status",
                value: value.to_owned(),
                expected: Status::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Who must act next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The applicant.
    Enterprise,
    /// The enterprise's town office.
    Town,
    /// The city bureau.
    City,
    /// The expert panel.
    Experts,
}

impl Party {
    /// The party as people read it.
    pub fn label(self) -> Text {
        match self {
            Party::Enterprise => Text::new("企业", "the enterprise"),
            Party::Town => Text::new("镇街", "the town"),
            Party::City => Text::new("市级部门", "the city"),
            Party::Experts => Text::new("专家组", "the experts"),
        }
    }
}

/// The party a user of `role` acts as in the review flow, if any: what waits on that party is
/// the user's work.
pub fn party_of(role: Role) -> Option<Party> {
    match role {
        Role::EnterpriseUser => Some(Party::Enterprise),
        Role::TownStaff => Some(Party::Town),
        Role::CityAdmin | Role::CityStaff => Some(Party::City),
        _ => None,
    }
}

/// A step in the flow; the API's `action` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The enterprise submits a complete draft (or a returned application, fixed).
    Submit,
    /// The enterprise takes the application back before the town acts.
    Withdraw,
    /// The town recommends it to the city.
    TownApprove,
    /// A reviewer sends it back to the enterprise with comments.
    Return,
    /// A reviewer refuses it, with reasons.
    Reject,
    /// The city asks an expert panel.
    SendToExperts,
    /// The city puts it on public notice.
    StartNotice,
    /// The city approves it once the notice period is over and no objection is open.
    Approve,
    /// The enterprise reports the project complete.
    ReportCompletion,
    /// The city accepts the completed project.
    Accept,
    /// The city records the payment of the granted subsidy.
    Disburse,
}

impl Action {
    /// Every action.
    pub const ALL: &'static [Action] = &[
        Action::Submit,
        Action::Withdraw,
        Action::TownApprove,
        Action::Return,
        Action::Reject,
        Action::SendToExperts,
        Action::StartNotice,
        Action::Approve,
        Action::ReportCompletion,
        Action::Accept,
        Action::Disburse,
    ];

    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::TownApprove => "town_approve",
            Action::Return => "return",
            Action::Reject => "reject",
            Action::SendToExperts => "send_to_experts",
            Action::StartNotice => "start_notice",
            Action::Approve => "approve",
            Action::ReportCompletion => "report_completion",
            Action::Accept => "accept",
            Action::Disburse => "disburse",
        }
    }

    /// The action as people read it (a button's label).
    pub fn label(self) -> Text {
        match self {
            Action::Submit => Text::new("提交申报", "Submit"),
            Action::Withdraw => Text::new("撤回", "Withdraw"),
            Action::TownApprove => Text::new("镇街审核通过", "Recommend to the city"),
            Action::Return => Text::new("退回修改", "Return for changes"),
            Action::Reject => Text::new("不予通过", "Reject"),
            Action::SendToExperts => Text::new("提交专家评审", "Send to experts"),
            Action::StartNotice => Text::new("进入公示", "Start public notice"),
            Action::Approve => Text::new("批准立项", "Approve"),
            Action::ReportCompletion => Text::new("申请验收", "Report completion"),
            Action::Accept => Text::new("验收通过", "Accept completion"),
            Action::Disburse => Text::new("登记拨付", "Record payment"),
        }
    }

    /// Whether the actor must say why.
    pub fn needs_comment(self) -> bool {
        matches!(self, Action::Return | Action::Reject)
    }

    /// Whether the step cannot be undone (a page asks before taking it).
    pub fn irreversible(self) -> bool {
        matches!(
            self,
            Action::Approve | Action::Reject | Action::Withdraw | Action::Disburse
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = UnknownValue;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == value)
            .ok_or_else(|| UnknownValue {
                what: "action",
                value: value.to_owned(),
                expected: Action::ALL
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Which kind of actor a role acts as in the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Enterprise,
    Town,
    City,
    Nobody,
}

fn actor_of(role: Role) -> Actor {
    match role {
        Role::EnterpriseUser => Actor::Enterprise,
        Role::TownStaff => Actor::Town,
        Role::CityAdmin | Role::CityStaff => Actor::City,
        Role::PlatformStaff | Role::Expert => Actor::Nobody,
    }
}

/// The transition table: (from, action, who, to).
const TRANSITIONS: &[(Status, Action, Actor, Status)] = &[
    (
        Status::Draft,
        Action::Submit,
        Actor::Enterprise,
        Status::TownReview,
    ),
    (
        Status::Returned,
        Action::Submit,
        Actor::Enterprise,
        Status::TownReview,
    ),
    (
        Status::Draft,
        Action::Withdraw,
        Actor::Enterprise,
        Status::Withdrawn,
    ),
    (
        Status::Returned,
        Action::Withdraw,
        Actor::Enterprise,
        Status::Withdrawn,
    ),
    (
        Status::TownReview,
        Action::Withdraw,
        Actor::Enterprise,
        Status::Withdrawn,
    ),
    (
        Status::TownReview,
        Action::TownApprove,
        Actor::Town,
        Status::CityReview,
    ),
    (
        Status::TownReview,
        Action::Return,
        Actor::Town,
        Status::Returned,
    ),
    (
        Status::TownReview,
        Action::Reject,
        Actor::Town,
        Status::Rejected,
    ),
    (
        Status::CityReview,
        Action::Return,
        Actor::City,
        Status::Returned,
    ),
    (
        Status::CityReview,
        Action::Reject,
        Actor::City,
        Status::Rejected,
    ),
    (
        Status::CityReview,
        Action::SendToExperts,
        Actor::City,
        Status::ExpertReview,
    ),
    (
        Status::CityReview,
        Action::StartNotice,
        Actor::City,
        Status::PublicNotice,
    ),
    (
        Status::ExpertReview,
        Action::Return,
        Actor::City,
        Status::Returned,
    ),
    (
        Status::ExpertReview,
        Action::Reject,
        Actor::City,
        Status::Rejected,
    ),
    (
        Status::ExpertReview,
        Action::StartNotice,
        Actor::City,
        Status::PublicNotice,
    ),
    (
        Status::PublicNotice,
        Action::Approve,
        Actor::City,
        Status::Approved,
    ),
    (
        Status::PublicNotice,
        Action::Reject,
        Actor::City,
        Status::Rejected,
    ),
    (
        Status::Approved,
        Action::ReportCompletion,
        Actor::Enterprise,
        Status::AcceptanceReview,
    ),
    (
        Status::AcceptanceReview,
        Action::Accept,
        Actor::City,
        Status::Accepted,
    ),
    (
        Status::AcceptanceReview,
        Action::Return,
        Actor::City,
        Status::Approved,
    ),
    (
        Status::Accepted,
        Action::Disburse,
        Actor::City,
        Status::Disbursed,
    ),
];

/// Why a step is refused by the flow itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No one may take this step from this status.
    #[error(
        "an application that is {from} cannot be {action}; from {from} the possible actions are: {possible}"
    )]
    NotFromStatus {
        /// The current status.
        from: Status,
        /// The step asked for.
        action: Action,
        /// What can be done from here, comma separated (or "none").
        possible: String,
    },
    /// The step exists from this status, but this role may not take it.
    #[error("your role may not {action} an application that is {from}")]
    NotYourStep {
        /// The current status.
        from: Status,
        /// The step asked for.
        action: Action,
    },
}

impl Refusal {
    /// The refusal in both languages.
    pub fn text(&self) -> Text {
        match self {
            Refusal::NotFromStatus { from, action, .. } => Text::owned(
                format!(
                    "申报处于“{}”状态，不能执行“{}”",
                    from.label().zh,
                    action.label().zh
                ),
                self.to_string(),
            ),
            Refusal::NotYourStep { from, action } => Text::owned(
                format!(
                    "您的角色不能对“{}”状态的申报执行“{}”",
                    from.label().zh,
                    action.label().zh
                ),
                self.to_string(),
            ),
        }
    }
}

/// The status `action` by someone in `role` leads to from `from`, or why it is refused.
pub fn next_status(from: Status, action: Action, role: Role) -> Result<Status, Refusal> {
    let candidates: Vec<_> = TRANSITIONS
        .iter()
        .filter(|(f, a, _, _)| *f == from && *a == action)
        .collect();
    if candidates.is_empty() {
        return Err(Refusal::NotFromStatus {
            from,
            action,
            possible: {
                let possible = actions_from(from);
                if possible.is_empty() {
                    "none".to_owned()
                } else {
                    possible
                        .iter()
                        .map(|a| a.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            },
        });
    }
    let actor = actor_of(role);
    candidates
        .iter()
        .find(|(_, _, who, _)| *who == actor)
        .map(|(_, _, _, to)| *to)
        .ok_or(Refusal::NotYourStep { from, action })
}

/// Every action anyone may take from `from`.
pub fn actions_from(from: Status) -> Vec<Action> {
    let mut actions: Vec<Action> = Vec::new();
    for (f, action, _, _) in TRANSITIONS {
        if *f == from && !actions.contains(action) {
            actions.push(*action);
        }
    }
    actions
}

/// The actions someone in `role` may take from `from` (the buttons a page offers).
pub fn actions_for(from: Status, role: Role) -> Vec<Action> {
    actions_from(from)
        .into_iter()
        .filter(|action| next_status(from, *action, role).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flow as a reviewer would write it down, role by role, independently of the table.
    fn expected(from: Status, action: Action, role: Role) -> Option<Status> {
        use Action as A;
        use Status as S;
        let city = matches!(role, Role::CityAdmin | Role::CityStaff);
        let enterprise = role == Role::EnterpriseUser;
        let town = role == Role::TownStaff;
        match (from, action) {
            (S::Draft | S::Returned, A::Submit) if enterprise => Some(S::TownReview),
            (S::Draft | S::Returned | S::TownReview, A::Withdraw) if enterprise => {
                Some(S::Withdrawn)
            }
            (S::TownReview, A::TownApprove) if town => Some(S::CityReview),
            (S::TownReview, A::Return) if town => Some(S::Returned),
            (S::TownReview, A::Reject) if town => Some(S::Rejected),
            (S::CityReview | S::ExpertReview, A::Return) if city => Some(S::Returned),
            (S::CityReview | S::ExpertReview | S::PublicNotice, A::Reject) if city => {
                Some(S::Rejected)
            }
            (S::CityReview, A::SendToExperts) if city => Some(S::ExpertReview),
            (S::CityReview | S::ExpertReview, A::StartNotice) if city => Some(S::PublicNotice),
            (S::PublicNotice, A::Approve) if city => Some(S::Approved),
            (S::Approved, A::ReportCompletion) if enterprise => Some(S::AcceptanceReview),
            (S::AcceptanceReview, A::Accept) if city => Some(S::Accepted),
            (S::AcceptanceReview, A::Return) if city => Some(S::Approved),
            (S::Accepted, A::Disburse) if city => Some(S::Disbursed),
            _ => None,
        }
    }

    #[test]
    fn every_status_action_and_role_is_decided_as_the_flow_says() {
        let mut allowed = 0;
        for &from in Status::ALL {
            for &action in Action::ALL {
                for &role in Role::ALL {
                    let decided = next_status(from, action, role);
                    assert_eq!(
                        decided.as_ref().ok().copied(),
                        expected(from, action, role),
                        "{from} {action} by {role:?}: {decided:?}"
                    );
                    if let Err(refusal) = decided {
                        // A step that exists for someone else says so; one that exists for no
                        // one lists what can be done instead.
                        let exists = TRANSITIONS
                            .iter()
                            .any(|(f, a, _, _)| *f == from && *a == action);
                        match refusal {
                            Refusal::NotYourStep { .. } => assert!(exists),
                            Refusal::NotFromStatus { possible, .. } => {
                                assert!(!exists);
                                for a in actions_from(from) {
                                    assert!(possible.contains(a.as_str()));
                                }
                            }
                        }
                    } else {
                        allowed += 1;
                    }
                }
            }
        }
        // 21 transitions; the two city roles double those that the city takes.
        assert_eq!(allowed, 21 + 12);
    }

    #[test]
    fn terminal_states_offer_nothing_and_platforms_and_experts_never_act() {
        for status in [Status::Rejected, Status::Withdrawn, Status::Disbursed] {
            assert!(actions_from(status).is_empty(), "{status}");
            assert!(!status.is_open());
            assert_eq!(status.waiting_on(), None);
        }
        for &status in Status::ALL {
            assert!(actions_for(status, Role::PlatformStaff).is_empty());
            assert!(actions_for(status, Role::Expert).is_empty());
            if status.is_open() {
                assert!(status.waiting_on().is_some(), "{status}");
            }
        }
        assert_eq!(
            actions_for(Status::TownReview, Role::EnterpriseUser),
            vec![Action::Withdraw]
        );
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for &status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        for &action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        }
        let error = "approved!".parse::<Action>().unwrap_err().to_string();
        assert!(error.contains("town_approve"), "{error}");
        let refusal = next_status(Status::Draft, Action::Approve, Role::CityStaff).unwrap_err();
        assert!(
            refusal.to_string().contains("submit, withdraw"),
            "{refusal}"
        );
        assert!(refusal.text().zh.contains("草稿"));
    }
}
