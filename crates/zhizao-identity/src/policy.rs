//! The tenancy policy: the one place that decides what a principal may see and do.
//!
//! Access follows the principal's organisation: an enterprise user sees their enterprise; town
//! staff their town's enterprises (including those registered under a town that has since merged
//! into theirs); platform staff the enterprises that brought work to their platform; city staff
//! everything. Things outside a principal's scope do not exist for them: callers answer "not
//! found", never "forbidden", so that existence does not leak across tenants.

use zhizao_core::Role;

use crate::Principal;

/// Which enterprises a principal can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnterpriseScope {
    /// Every enterprise.
    All,
    /// Enterprises registered in this town, or in a town that merged into it.
    Town(String),
    /// Enterprises that are clients of this platform organisation.
    PlatformClients(i64),
    /// Only this enterprise (organisation id).
    Single(i64),
    /// No enterprise.
    Nothing,
}

/// Which groups of an enterprise's fields a principal may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EnterpriseEditRights {
    /// Name, legal representative, town, industry, date of establishment.
    pub identity: bool,
    /// Address and contacts.
    pub contacts: bool,
    /// Employees and annual revenue.
    pub figures: bool,
    /// The above-designated-size flag, which the statistics bureau decides.
    pub size_flag: bool,
    /// Recognitions (demonstration projects, technology centres, …), which governments award.
    pub recognitions: bool,
}

impl EnterpriseEditRights {
    /// Whether any field may be changed.
    pub fn any(self) -> bool {
        self.identity || self.contacts || self.figures || self.size_flag || self.recognitions
    }
}

/// The enterprises `principal` can see.
pub fn enterprise_scope(principal: &Principal) -> EnterpriseScope {
    match principal.role {
        Role::CityAdmin | Role::CityStaff => EnterpriseScope::All,
        Role::TownStaff => match &principal.town_code {
            Some(town) => EnterpriseScope::Town(town.clone()),
            None => EnterpriseScope::Nothing,
        },
        Role::PlatformStaff => EnterpriseScope::PlatformClients(principal.organization_id),
        Role::EnterpriseUser => EnterpriseScope::Single(principal.organization_id),
        Role::Expert => EnterpriseScope::Nothing,
    }
}

/// What `principal` may change on an enterprise that is in their scope.
pub fn enterprise_edit_rights(principal: &Principal) -> EnterpriseEditRights {
    match principal.role {
        Role::CityAdmin | Role::CityStaff => EnterpriseEditRights {
            identity: true,
            contacts: true,
            figures: true,
            size_flag: true,
            recognitions: true,
        },
        Role::TownStaff => EnterpriseEditRights {
            identity: true,
            contacts: true,
            figures: true,
            size_flag: false,
            recognitions: false,
        },
        Role::EnterpriseUser => EnterpriseEditRights {
            identity: false,
            contacts: true,
            figures: true,
            size_flag: false,
            recognitions: false,
        },
        Role::PlatformStaff | Role::Expert => EnterpriseEditRights::default(),
    }
}

/// Whether `principal` may register new enterprises (town staff only in their own town, which
/// the registry checks against [`enterprise_scope`]).
pub fn may_register_enterprises(principal: &Principal) -> bool {
    matches!(
        principal.role,
        Role::CityAdmin | Role::CityStaff | Role::TownStaff
    )
}

/// Whether `principal` may import spreadsheets of enterprises (each row must fall in their scope).
pub fn may_import_enterprises(principal: &Principal) -> bool {
    may_register_enterprises(principal)
}

/// Whether `principal` may delete an enterprise from the registry.
pub fn may_delete_enterprises(principal: &Principal) -> bool {
    principal.role == Role::CityAdmin
}

/// Whose technology-upgrade and subsidy applications `principal` sees: an enterprise its own, a
/// town those of its enterprises, the city all. Platforms and experts see none (experts will
/// see only what they are assigned to review).
pub fn application_scope(principal: &Principal) -> EnterpriseScope {
    match principal.role {
        Role::PlatformStaff | Role::Expert => EnterpriseScope::Nothing,
        _ => enterprise_scope(principal),
    }
}

/// Whether `principal` runs the subsidy programmes: opens and publishes batches, edits rule
/// sets, records objections and payments.
pub fn may_manage_programmes(principal: &Principal) -> bool {
    matches!(principal.role, Role::CityAdmin | Role::CityStaff)
}

/// Whether `principal` may create and edit organisations and users, and browse the audit log.
pub fn may_administer(principal: &Principal) -> bool {
    principal.role == Role::CityAdmin
}

/// The tenant whose telemetry `principal` writes and queries: an enterprise's own users act for
/// their enterprise; other roles have no telemetry of their own (the city sees aggregates
/// through reports, not raw tenant data).
pub fn telemetry_tenant(principal: &Principal) -> Option<i64> {
    (principal.role == Role::EnterpriseUser).then_some(principal.organization_id)
}

/// Whether `principal` sees every organisation (city staff) rather than only their own.
pub fn sees_all_organizations(principal: &Principal) -> bool {
    matches!(principal.role, Role::CityAdmin | Role::CityStaff)
}

/// Whether `principal` may see the organisation with this id (their own, or any for city staff).
pub fn may_see_organization(principal: &Principal, organization_id: i64) -> bool {
    sees_all_organizations(principal) || principal.organization_id == organization_id
}

#[cfg(test)]
mod tests {
    use zhizao_core::{Language, OrgKind};

    use super::*;
    use crate::{Channel, principal::Credential};

    fn principal(role: Role, town: Option<&str>) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            display_name: "U".into(),
            role,
            organization_id: 42,
            organization_code: "x".into(),
            organization_kind: role.org_kind(),
            organization_name: "X".into(),
            town_code: town.map(str::to_owned),
            language: Language::ZhCn,
            credential: Credential::Session(1),
            channel: Channel::Web,
            ip: String::new(),
        }
    }

    #[test]
    fn scopes_follow_the_organisation() {
        let check = |role: Role, town: Option<&str>, expected: EnterpriseScope| {
            assert_eq!(
                enterprise_scope(&principal(role, town)),
                expected,
                "{role:?}"
            );
        };
        check(Role::CityAdmin, None, EnterpriseScope::All);
        check(Role::CityStaff, None, EnterpriseScope::All);
        check(
            Role::TownStaff,
            Some("442000118"),
            EnterpriseScope::Town("442000118".into()),
        );
        check(Role::TownStaff, None, EnterpriseScope::Nothing);
        check(
            Role::PlatformStaff,
            None,
            EnterpriseScope::PlatformClients(42),
        );
        check(Role::EnterpriseUser, None, EnterpriseScope::Single(42));
        check(Role::Expert, None, EnterpriseScope::Nothing);
        assert_eq!(
            principal(Role::Expert, None).organization_kind,
            OrgKind::ExpertPanel
        );
    }

    #[test]
    fn only_governments_award_recognitions_and_only_admins_administer() {
        for role in Role::ALL {
            let p = principal(*role, Some("442000118"));
            let rights = enterprise_edit_rights(&p);
            assert_eq!(
                rights.recognitions,
                matches!(role, Role::CityAdmin | Role::CityStaff),
                "{role:?}"
            );
            assert_eq!(may_administer(&p), *role == Role::CityAdmin, "{role:?}");
            assert_eq!(
                may_delete_enterprises(&p),
                *role == Role::CityAdmin,
                "{role:?}"
            );
        }
        assert!(!enterprise_edit_rights(&principal(Role::PlatformStaff, None)).any());
        assert!(may_see_organization(
            &principal(Role::EnterpriseUser, None),
            42
        ));
        assert!(!may_see_organization(
            &principal(Role::EnterpriseUser, None),
            43
        ));
        assert!(may_see_organization(&principal(Role::CityStaff, None), 43));
    }
}
