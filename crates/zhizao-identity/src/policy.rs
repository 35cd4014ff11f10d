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

/// The enterprises the city's dashboard counts for `principal`, narrowed to `town` when asked:
/// the city's staff any town, a town's staff their own town only; `None` for anyone else and
/// for a town outside the reader's scope (a 404, as for any record they may not see).
pub fn dashboard_scope(principal: &Principal, town: Option<&str>) -> Option<EnterpriseScope> {
    let scope = match principal.role {
        Role::CityAdmin | Role::CityStaff | Role::TownStaff => enterprise_scope(principal),
        Role::PlatformStaff | Role::EnterpriseUser | Role::Expert => return None,
    };
    match (scope, town) {
        (EnterpriseScope::Nothing, _) => None,
        (scope, None) => Some(scope),
        (EnterpriseScope::All, Some(town)) => Some(EnterpriseScope::Town(town.to_owned())),
        (EnterpriseScope::Town(own), Some(town)) if own == town => Some(EnterpriseScope::Town(own)),
        (_, Some(_)) => None,
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

/// Whether `principal` writes applications for its enterprise: starts and edits drafts, adds and
/// removes their attachments, applies to major-project calls and reports milestones. Only an
/// enterprise's own users do; reviewers return an application with comments instead.
pub fn may_write_applications(principal: &Principal) -> bool {
    principal.role == Role::EnterpriseUser
}

/// Whether `principal` sees drafts: an enterprise its own (through [`application_scope`]);
/// reviewers see an application only once it is submitted.
pub fn sees_drafts(principal: &Principal) -> bool {
    may_write_applications(principal)
}

/// Whether `principal` may have an application's subsidy computed and recorded: the reviewers
/// who can see it, never the applicant, who reads the recorded results.
pub fn may_evaluate_applications(principal: &Principal) -> bool {
    application_scope(principal) != EnterpriseScope::Nothing && !may_write_applications(principal)
}

/// Whose major science-and-technology project applications `principal` sees: the city all, an
/// enterprise its own. Towns, platforms and experts see none through this scope (experts see
/// their blind assignments only, see [`reviews_as_expert`]).
pub fn major_application_scope(principal: &Principal) -> EnterpriseScope {
    match principal.role {
        Role::CityAdmin | Role::CityStaff => EnterpriseScope::All,
        Role::EnterpriseUser => EnterpriseScope::Single(principal.organization_id),
        Role::TownStaff | Role::PlatformStaff | Role::Expert => EnterpriseScope::Nothing,
    }
}

/// Whether `principal` has major-project pages at all: the city, which runs the calls, and
/// enterprises, which apply.
pub fn sees_major_projects(principal: &Principal) -> bool {
    major_application_scope(principal) != EnterpriseScope::Nothing
}

/// Whether `principal` scores applications as an expert: assigned reviews only, blind to the
/// applicant.
pub fn reviews_as_expert(principal: &Principal) -> bool {
    principal.role == Role::Expert
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
/// their enterprise, a service platform's staff for their platform (a shared factory connects
/// its own lines and robots); governments and experts have no telemetry of their own (the city
/// sees aggregates through reports, not raw tenant data).
pub fn telemetry_tenant(principal: &Principal) -> Option<i64> {
    matches!(principal.role, Role::EnterpriseUser | Role::PlatformStaff)
        .then_some(principal.organization_id)
}

/// The roles `principal` may give to users: every role for a city administrator, their own role
/// for an organisation's administrator (within their organisation), none otherwise.
pub fn assignable_roles(principal: &Principal) -> &'static [Role] {
    if may_administer(principal) {
        return Role::ALL;
    }
    if manages_users_of(principal).is_none() {
        return &[];
    }
    match principal.role {
        Role::EnterpriseUser => &[Role::EnterpriseUser],
        Role::PlatformStaff => &[Role::PlatformStaff],
        Role::TownStaff => &[Role::TownStaff],
        Role::Expert => &[Role::Expert],
        _ => &[],
    }
}

/// The organisation whose users `principal` manages as its administrator, if any (city
/// administrators manage every organisation's: see [`may_administer`]).
pub fn manages_users_of(principal: &Principal) -> Option<i64> {
    principal.org_admin.then_some(principal.organization_id)
}

/// Whether `principal` may manage a user of organisation `organization_id`: create and change
/// them, disable them, send them a password-reset link.
pub fn may_manage_user(principal: &Principal, organization_id: i64) -> bool {
    may_administer(principal) || manages_users_of(principal) == Some(organization_id)
}

/// The role of the account an approved sign-up creates: a user of the enterprise (who also
/// administers the enterprise's users).
pub fn signed_up_role() -> Role {
    Role::EnterpriseUser
}

/// The enterprise sign-ups `principal` verifies: every town's for city staff, their own town's
/// for town staff, none for anyone else.
pub fn signup_scope(principal: &Principal) -> EnterpriseScope {
    match principal.role {
        Role::CityAdmin | Role::CityStaff => EnterpriseScope::All,
        Role::TownStaff => principal
            .town_code
            .clone()
            .map_or(EnterpriseScope::Nothing, EnterpriseScope::Town),
        _ => EnterpriseScope::Nothing,
    }
}

/// Whether `principal` sees every organisation (city staff) rather than only their own.
pub fn sees_all_organizations(principal: &Principal) -> bool {
    matches!(principal.role, Role::CityAdmin | Role::CityStaff)
}

/// Whether `principal` may see the organisation with this id (their own, or any for city staff).
pub fn may_see_organization(principal: &Principal, organization_id: i64) -> bool {
    sees_all_organizations(principal) || principal.organization_id == organization_id
}

/// Which service requests (shared-factory orders among them) a principal sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestScope {
    /// Every request (the city, for its figures).
    All,
    /// Requests made to this platform organisation (its staff).
    Platform(i64),
    /// Requests this enterprise made (organisation id).
    Client(i64),
    /// None.
    Nothing,
}

/// The service requests and shared-factory orders `principal` sees: an enterprise its own, a
/// platform those made to it, the city all (for its figures); towns and experts none.
pub fn request_scope(principal: &Principal) -> RequestScope {
    match principal.role {
        Role::CityAdmin | Role::CityStaff => RequestScope::All,
        Role::PlatformStaff => RequestScope::Platform(principal.organization_id),
        Role::EnterpriseUser => RequestScope::Client(principal.organization_id),
        Role::TownStaff | Role::Expert => RequestScope::Nothing,
    }
}

/// Whether `principal` runs the shared factory of platform `platform_id`: sets it up (sites,
/// resources, calendars, routings, tariffs), quotes, plans and delivers. Its own staff only;
/// the city watches, it does not run a factory.
pub fn may_run_factory(principal: &Principal, platform_id: i64) -> bool {
    principal.role == Role::PlatformStaff && principal.organization_id == platform_id
}

/// Whether `principal` removes a file of a shared-factory order that enterprise `client_id`
/// placed with platform `platform_id`, the file added by a user of `uploader_organization_id`:
/// the side that added it (the client its drawings, the factory its reports), nobody else's.
pub fn may_remove_factory_order_file(
    principal: &Principal,
    client_id: i64,
    platform_id: i64,
    uploader_organization_id: Option<i64>,
) -> bool {
    let on_the_order = request_scope(principal) == RequestScope::Client(client_id)
        || may_run_factory(principal, platform_id);
    on_the_order && uploader_organization_id == Some(principal.organization_id)
}

/// Whether `principal` offers services for platform `platform_id`: writes its catalogue
/// entries, submits, withdraws and revises them. Its own staff only.
pub fn may_offer_services(principal: &Principal, platform_id: i64) -> bool {
    principal.role == Role::PlatformStaff && principal.organization_id == platform_id
}

/// Whether `principal` checks the services platforms submit for the catalogue: the city.
pub fn may_check_services(principal: &Principal) -> bool {
    may_manage_service_directory(principal)
}

/// Whether `principal` sees platform `platform_id`'s services before they are public (drafts,
/// submissions, returned and withdrawn versions): its own staff and the city that checks them.
pub fn may_read_platform_drafts(principal: &Principal, platform_id: i64) -> bool {
    may_offer_services(principal, platform_id) || may_check_services(principal)
}

/// Whether `principal` reads the set-up of platform `platform_id` (sites, resources, bound
/// devices, calendars, routings): its own staff, and the city that watches the factories.
pub fn may_read_factory_setup(principal: &Principal, platform_id: i64) -> bool {
    may_run_factory(principal, platform_id) || sees_all_organizations(principal)
}

/// Whether `principal` requests services from the catalogue (for its own enterprise).
pub fn may_request_services(principal: &Principal) -> bool {
    principal.role == Role::EnterpriseUser
}

/// Whether `principal` answers the requests made to platform `platform_id`: proposes
/// contracts, declines, delivers. Its own staff only; the city watches.
pub fn may_answer_requests(principal: &Principal, platform_id: i64) -> bool {
    principal.role == Role::PlatformStaff && principal.organization_id == platform_id
}

/// Whether `principal` reads platform `platform_id`'s figures by year (requests, enterprises
/// served, on-time delivery, satisfaction, free share): its own staff and the city.
pub fn may_read_platform_figures(principal: &Principal, platform_id: i64) -> bool {
    may_answer_requests(principal, platform_id) || may_manage_service_directory(principal)
}

/// Whether `principal` runs the innovation-voucher programmes: opens and closes them, grants
/// quotas, reviews redemption claims and records reimbursements. The city only.
pub fn may_run_voucher_programmes(principal: &Principal) -> bool {
    may_manage_service_directory(principal)
}

/// Whether `principal` may order from shared factories (for its own enterprise).
pub fn may_order_from_factories(principal: &Principal) -> bool {
    principal.role == Role::EnterpriseUser
}

/// Whether `principal` keeps the service-platform directory: the sectors, which organisations
/// are service platforms or city-level service units, and the recognitions governments award
/// them. The city (administrators and staff) only.
pub fn may_manage_service_directory(principal: &Principal) -> bool {
    matches!(principal.role, Role::CityAdmin | Role::CityStaff)
}

/// Whether `principal` edits the public profile (operator, summary, contacts, staff) of the
/// service platform `platform_id`: its own staff, and the city that keeps the directory.
pub fn may_edit_platform_profile(principal: &Principal, platform_id: i64) -> bool {
    may_manage_service_directory(principal)
        || (principal.role == Role::PlatformStaff && principal.organization_id == platform_id)
}

/// Whose smart-manufacturing maturity assessments `principal` reads: an enterprise its own, a
/// town its enterprises', a platform its clients' (solution providers match solutions to their
/// gaps), the city all; experts none. A draft is its enterprise's alone, see
/// [`may_take_assessments`].
pub fn assessment_scope(principal: &Principal) -> EnterpriseScope {
    enterprise_scope(principal)
}

/// Whether `principal` assesses its own enterprise: starts, answers, submits and discards
/// assessments, and sees its drafts. Only an enterprise's own users.
pub fn may_take_assessments(principal: &Principal) -> bool {
    principal.role == Role::EnterpriseUser
}

/// Whether `principal` offers solutions in the smart-manufacturing solution library for
/// platform `platform_id` (the solution providers): writes, publishes and withdraws them,
/// proposes them to its client enterprises and reports them implemented. Its own staff only.
pub fn may_offer_solutions(principal: &Principal, platform_id: i64) -> bool {
    principal.role == Role::PlatformStaff && principal.organization_id == platform_id
}

/// Which solution adoptions a principal sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdoptionScope {
    /// Every adoption (the city).
    All,
    /// Adoptions by enterprises of this town (or towns merged into it).
    Town(String),
    /// Adoptions of this provider's solutions (organisation id).
    Provider(i64),
    /// This enterprise's adoptions (organisation id).
    Enterprise(i64),
    /// None.
    Nothing,
}

/// The solution adoptions `principal` sees: an enterprise its own, a provider those of its
/// solutions, a town its enterprises', the city all; experts none.
pub fn adoption_scope(principal: &Principal) -> AdoptionScope {
    match principal.role {
        Role::CityAdmin | Role::CityStaff => AdoptionScope::All,
        Role::TownStaff => match &principal.town_code {
            Some(town) => AdoptionScope::Town(town.clone()),
            None => AdoptionScope::Nothing,
        },
        Role::PlatformStaff => AdoptionScope::Provider(principal.organization_id),
        Role::EnterpriseUser => AdoptionScope::Enterprise(principal.organization_id),
        Role::Expert => AdoptionScope::Nothing,
    }
}

/// Whether `principal` takes up solutions for its enterprise: asks for one, accepts or declines
/// a proposal, verifies what was implemented. Only an enterprise's own users.
pub fn may_adopt_solutions(principal: &Principal) -> bool {
    principal.role == Role::EnterpriseUser
}

/// Whether `principal` runs training for platform `platform_id` (the training providers): writes
/// and publishes its courses and lessons, schedules offline sessions, registers people for them,
/// shows the sign-in code and signs people in, and reads its learners' progress. Its own staff
/// only.
pub fn may_offer_training(principal: &Principal, platform_id: i64) -> bool {
    principal.role == Role::PlatformStaff && principal.organization_id == platform_id
}

/// Whether `principal` reads every course, learner and certificate (the city, which reports the
/// training figures).
pub fn may_oversee_training(principal: &Principal) -> bool {
    matches!(principal.role, Role::CityAdmin | Role::CityStaff)
}

/// Whether `principal` learns on the platform: enrols in published courses, follows lessons,
/// registers for and signs in to offline sessions, and holds certificates. An enterprise's own
/// users (technicians of the city's manufacturers); people without an account are registered
/// for offline sessions by the provider.
pub fn may_learn(principal: &Principal) -> bool {
    principal.role == Role::EnterpriseUser
}

/// Whose talents, innovation teams and IP `principal` reads: an enterprise its own, a town its
/// enterprises', the city all; platforms and experts none.
pub fn talent_scope(principal: &Principal) -> EnterpriseScope {
    match principal.role {
        Role::PlatformStaff | Role::Expert => EnterpriseScope::Nothing,
        _ => enterprise_scope(principal),
    }
}

/// Whether `principal` records talents and innovation teams (the city's talent office).
pub fn may_record_talent(principal: &Principal) -> bool {
    matches!(principal.role, Role::CityAdmin | Role::CityStaff)
}

/// Whether `principal` issues, lists and revokes the open data API's keys (the city's data office).
pub fn may_manage_open_data(principal: &Principal) -> bool {
    matches!(principal.role, Role::CityAdmin | Role::CityStaff)
}

/// The enterprises an open dataset counts: every one, since a dataset is published to anyone
/// holding a key and only as aggregates with small cells suppressed (never one enterprise's
/// figures).
pub fn open_data_scope() -> EnterpriseScope {
    EnterpriseScope::All
}

/// Whether `principal` records IP: an enterprise its own (its [`talent_scope`]), the city any.
pub fn may_record_ip(principal: &Principal) -> bool {
    matches!(
        principal.role,
        Role::CityAdmin | Role::CityStaff | Role::EnterpriseUser
    )
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
            org_admin: false,
            language: Language::ZhCn,
            credential: Credential::Session(1),
            channel: Channel::Web,
            ip: String::new(),
        }
    }

    /// (role, client, platform, uploader's organisation, may remove); the principal's
    /// organisation is 42.
    const ORDER_FILE_REMOVALS: &[(Role, i64, i64, Option<i64>, bool)] = &[
        (Role::EnterpriseUser, 42, 7, Some(42), true),
        (Role::EnterpriseUser, 42, 7, Some(7), false),
        (Role::EnterpriseUser, 43, 7, Some(42), false),
        (Role::PlatformStaff, 9, 42, Some(42), true),
        (Role::PlatformStaff, 9, 42, Some(9), false),
        (Role::PlatformStaff, 9, 42, None, false),
        (Role::PlatformStaff, 9, 43, Some(42), false),
        (Role::CityStaff, 9, 7, Some(42), false),
        (Role::CityAdmin, 42, 7, Some(42), false),
    ];

    /// (role, own town, asked town, scope the dashboard counts).
    type DashboardCase = (
        Role,
        Option<&'static str>,
        Option<&'static str>,
        Option<EnterpriseScope>,
    );
    const DASHBOARD_SCOPES: &[DashboardCase] = &[
        (Role::CityAdmin, None, None, Some(EnterpriseScope::All)),
        (Role::CityStaff, None, None, Some(EnterpriseScope::All)),
        (
            Role::CityStaff,
            None,
            Some("442000118"),
            Some(EnterpriseScope::Town(String::new())),
        ),
        (
            Role::TownStaff,
            Some("442000118"),
            None,
            Some(EnterpriseScope::Town(String::new())),
        ),
        (
            Role::TownStaff,
            Some("442000118"),
            Some("442000118"),
            Some(EnterpriseScope::Town(String::new())),
        ),
        (Role::TownStaff, Some("442000118"), Some("442000100"), None),
        (Role::TownStaff, None, None, None),
        (Role::PlatformStaff, None, None, None),
        (Role::EnterpriseUser, Some("442000118"), None, None),
        (Role::Expert, None, None, None),
    ];

    #[test]
    fn the_dashboard_counts_the_city_for_its_staff_and_a_town_for_its_own() {
        for (role, own, asked, expected) in DASHBOARD_SCOPES {
            let got = dashboard_scope(&principal(*role, *own), *asked);
            // The town in an expected `Town` is the one asked for, else the reader's own.
            let expected = expected.clone().map(|scope| match scope {
                EnterpriseScope::Town(_) => {
                    EnterpriseScope::Town(asked.or(*own).unwrap_or_default().to_owned())
                }
                other => other,
            });
            assert_eq!(got, expected, "{role:?} of {own:?} asking for {asked:?}");
        }
        for role in Role::ALL {
            assert!(
                dashboard_scope(&principal(*role, Some("442000118")), Some("442000100"))
                    .is_none_or(|_| matches!(role, Role::CityAdmin | Role::CityStaff)),
                "{role:?} sees another town"
            );
        }
    }

    #[test]
    fn only_the_city_manages_open_data_keys() {
        for role in Role::ALL {
            let p = principal(*role, Some("442000118"));
            let city = matches!(role, Role::CityAdmin | Role::CityStaff);
            assert_eq!(may_manage_open_data(&p), city, "{role:?}");
        }
        assert_eq!(open_data_scope(), EnterpriseScope::All);
    }

    #[test]
    fn the_city_keeps_the_directory_and_a_platform_its_own_profile() {
        for role in Role::ALL {
            let p = principal(*role, Some("442000118"));
            let city = matches!(role, Role::CityAdmin | Role::CityStaff);
            assert_eq!(may_manage_service_directory(&p), city, "{role:?}");
            assert_eq!(
                may_edit_platform_profile(&p, 42),
                city || *role == Role::PlatformStaff,
                "{role:?} on its own organisation"
            );
            assert_eq!(
                may_edit_platform_profile(&p, 7),
                city,
                "{role:?} on another"
            );
            let staff = *role == Role::PlatformStaff;
            assert_eq!(may_offer_services(&p, 42), staff, "{role:?}");
            assert!(!may_offer_services(&p, 7), "{role:?} offers for another");
            assert_eq!(may_check_services(&p), city, "{role:?}");
            assert_eq!(may_read_platform_drafts(&p, 42), city || staff, "{role:?}");
            assert_eq!(may_read_platform_drafts(&p, 7), city, "{role:?}");
        }
    }

    #[test]
    fn an_order_file_is_removed_by_the_side_that_added_it() {
        for &(role, client, platform, uploader, expected) in ORDER_FILE_REMOVALS {
            assert_eq!(
                may_remove_factory_order_file(&principal(role, None), client, platform, uploader),
                expected,
                "{role:?} client {client} platform {platform} uploader {uploader:?}"
            );
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

    #[test]
    fn applications_are_written_by_enterprises_and_evaluated_by_reviewers() {
        // (role, writes and sees drafts, evaluates, major-project scope, expert reviews)
        let table = [
            (Role::CityAdmin, false, true, EnterpriseScope::All, false),
            (Role::CityStaff, false, true, EnterpriseScope::All, false),
            (
                Role::TownStaff,
                false,
                true,
                EnterpriseScope::Nothing,
                false,
            ),
            (
                Role::PlatformStaff,
                false,
                false,
                EnterpriseScope::Nothing,
                false,
            ),
            (
                Role::EnterpriseUser,
                true,
                false,
                EnterpriseScope::Single(42),
                false,
            ),
            (Role::Expert, false, false, EnterpriseScope::Nothing, true),
        ];
        assert_eq!(table.len(), Role::ALL.len());
        for (role, writes, evaluates, major, expert) in table {
            let p = principal(role, Some("442000118"));
            assert_eq!(may_write_applications(&p), writes, "{role:?}");
            assert_eq!(sees_drafts(&p), writes, "{role:?}");
            assert_eq!(may_evaluate_applications(&p), evaluates, "{role:?}");
            assert_eq!(major_application_scope(&p), major, "{role:?}");
            assert_eq!(
                sees_major_projects(&p),
                major != EnterpriseScope::Nothing,
                "{role:?}"
            );
            assert_eq!(reviews_as_expert(&p), expert, "{role:?}");
            assert_eq!(
                assignable_roles(&p).len(),
                if role == Role::CityAdmin {
                    Role::ALL.len()
                } else {
                    0
                },
                "{role:?}"
            );
        }
        // An organisation's administrator manages its own users, with its own role only.
        for role in Role::ALL {
            let mut p = principal(*role, Some("442000118"));
            p.org_admin = true;
            let city = matches!(role, Role::CityAdmin);
            assert!(may_manage_user(&p, 42), "{role:?}");
            assert_eq!(may_manage_user(&p, 43), city, "{role:?}");
            if !city && *role != Role::CityStaff {
                assert_eq!(assignable_roles(&p), [*role], "{role:?}");
            }
            p.org_admin = false;
            assert_eq!(may_manage_user(&p, 42), city, "{role:?}");
        }
        // Sign-ups are verified by the city, or by the applicant's town.
        assert_eq!(
            signup_scope(&principal(Role::TownStaff, Some("442000118"))),
            EnterpriseScope::Town("442000118".into())
        );
        assert_eq!(
            signup_scope(&principal(Role::CityStaff, None)),
            EnterpriseScope::All
        );
        for role in [Role::EnterpriseUser, Role::PlatformStaff, Role::Expert] {
            assert_eq!(
                signup_scope(&principal(role, Some("442000118"))),
                EnterpriseScope::Nothing
            );
        }
        // A town office without a town sees no application, so it evaluates none either.
        assert!(!may_evaluate_applications(&principal(
            Role::TownStaff,
            None
        )));
    }

    /// The files where a role may be matched on: its definition, this crate (the policy and the
    /// user records it decides on), the demo data set that gives its logins their roles, and the
    /// review flow's transition table, whose "who" column is the role's party in the flow.
    const MAY_MATCH_ROLES: &[&str] = &[
        "zhizao-core/",
        "zhizao-identity/",
        "zhizao-demo/",
        "zhizao-projects/src/workflow.rs",
    ];

    /// Whether a line of code (comments removed) decides something by a role.
    fn matches_on_role(code: &str) -> bool {
        let compact: String = code.split_whitespace().collect();
        compact.contains("Role::")
            || compact.contains(".role==")
            || compact.contains(".role!=")
            || compact.contains("==Role")
            || compact.contains("!=Role")
            || (compact.contains("match") && compact.contains(".role{"))
            || (compact.contains("match(") && compact.contains(".role,"))
            || (compact.contains("matches!(") && compact.contains(".role,"))
    }

    fn rust_files(directory: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(directory).expect("the crates directory is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    #[test]
    fn the_detector_sees_the_ways_code_decides_by_role() {
        for line in [
            "if principal.role != Role::EnterpriseUser {",
            "if p.role == zhizao_core::Role::Expert {",
            "let action = match (principal.role, report) {",
            "match principal.role {",
            "matches!(principal.role, Role::CityAdmin)",
        ] {
            assert!(matches_on_role(line), "{line}");
        }
        for line in [
            "role: u.role,",
            "role_label(principal.role.as_str(), t)",
            "if !policy::may_write_applications(principal) {",
        ] {
            assert!(!matches_on_role(line), "{line}");
        }
    }

    /// Tenancy and permissions are decided here and nowhere else: no source file of another
    /// crate (tests included, which build principals through the test kit) matches on a role.
    #[test]
    fn no_crate_matches_on_roles_outside_the_policy() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the crate sits in the crates directory");
        let mut files = Vec::new();
        rust_files(crates, &mut files);
        assert!(files.len() > 50, "found only {} Rust files", files.len());
        let mut offences = Vec::new();
        for file in &files {
            let relative = file
                .strip_prefix(crates)
                .expect("under crates")
                .to_string_lossy()
                .replace('\\', "/");
            if MAY_MATCH_ROLES
                .iter()
                .any(|allowed| relative.starts_with(allowed))
            {
                continue;
            }
            let text = std::fs::read_to_string(file).expect("a readable source file");
            for (index, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if matches_on_role(code) {
                    offences.push(format!("{relative}:{}: {}", index + 1, line.trim()));
                }
            }
        }
        assert!(
            offences.is_empty(),
            "decide by role only in zhizao_identity::policy (add a named policy function):\n{}",
            offences.join("\n")
        );
    }

    #[test]
    fn shared_factories_are_run_by_their_staff_and_ordered_from_by_enterprises() {
        for role in Role::ALL {
            // The test principal belongs to organisation 42.
            let p = principal(*role, Some("442000118"));
            let scope = request_scope(&p);
            let expected = match role {
                Role::CityAdmin | Role::CityStaff => RequestScope::All,
                Role::PlatformStaff => RequestScope::Platform(42),
                Role::EnterpriseUser => RequestScope::Client(42),
                Role::TownStaff | Role::Expert => RequestScope::Nothing,
            };
            assert_eq!(scope, expected, "{role:?}");
            assert_eq!(
                may_run_factory(&p, 42),
                *role == Role::PlatformStaff,
                "{role:?} runs its own platform's factory"
            );
            assert_eq!(
                may_answer_requests(&p, 42),
                *role == Role::PlatformStaff,
                "{role:?} answers its own platform's requests"
            );
            assert!(!may_answer_requests(&p, 43), "{role:?} on another platform");
            assert_eq!(
                may_request_services(&p),
                *role == Role::EnterpriseUser,
                "{role:?} requests services"
            );
            assert!(!may_run_factory(&p, 43), "{role:?} never another's");
            assert_eq!(
                may_read_factory_setup(&p, 43),
                matches!(role, Role::CityAdmin | Role::CityStaff),
                "{role:?} reads another platform's set-up only as the city"
            );
            assert_eq!(
                may_read_factory_setup(&p, 42),
                matches!(
                    role,
                    Role::CityAdmin | Role::CityStaff | Role::PlatformStaff
                ),
                "{role:?} reading its own set-up"
            );
            assert_eq!(
                may_order_from_factories(&p),
                *role == Role::EnterpriseUser,
                "{role:?}"
            );
        }
    }

    #[test]
    fn enterprises_and_platforms_own_telemetry_and_governments_do_not() {
        for role in Role::ALL {
            let expected = matches!(role, Role::EnterpriseUser | Role::PlatformStaff);
            assert_eq!(
                telemetry_tenant(&principal(*role, Some("442000118"))),
                expected.then_some(42),
                "{role:?}"
            );
        }
    }

    #[test]
    fn an_enterprise_assesses_itself_and_governments_and_its_platforms_read_the_results() {
        for role in Role::ALL {
            let p = principal(*role, Some("442000118"));
            let expected = match role {
                Role::CityAdmin | Role::CityStaff => EnterpriseScope::All,
                Role::TownStaff => EnterpriseScope::Town("442000118".into()),
                Role::PlatformStaff => EnterpriseScope::PlatformClients(42),
                Role::EnterpriseUser => EnterpriseScope::Single(42),
                Role::Expert => EnterpriseScope::Nothing,
            };
            assert_eq!(assessment_scope(&p), expected, "{role:?}");
            assert_eq!(
                may_take_assessments(&p),
                *role == Role::EnterpriseUser,
                "{role:?}"
            );
        }
    }

    #[test]
    fn providers_offer_solutions_and_adoptions_are_seen_by_both_sides_and_governments() {
        for role in Role::ALL {
            let p = principal(*role, Some("442000118"));
            assert_eq!(
                may_offer_solutions(&p, 42),
                *role == Role::PlatformStaff,
                "{role:?}"
            );
            assert!(!may_offer_solutions(&p, 7), "{role:?} for another platform");
            let expected = match role {
                Role::CityAdmin | Role::CityStaff => AdoptionScope::All,
                Role::TownStaff => AdoptionScope::Town("442000118".into()),
                Role::PlatformStaff => AdoptionScope::Provider(42),
                Role::EnterpriseUser => AdoptionScope::Enterprise(42),
                Role::Expert => AdoptionScope::Nothing,
            };
            assert_eq!(adoption_scope(&p), expected, "{role:?}");
            assert_eq!(
                may_adopt_solutions(&p),
                *role == Role::EnterpriseUser,
                "{role:?}"
            );
        }
    }

    #[test]
    fn providers_run_their_training_enterprise_users_learn_and_the_city_oversees() {
        for role in Role::ALL {
            let p = principal(*role, Some("442000118"));
            assert_eq!(
                may_offer_training(&p, 42),
                *role == Role::PlatformStaff,
                "{role:?}"
            );
            assert!(!may_offer_training(&p, 7), "{role:?} for another platform");
            assert_eq!(may_learn(&p), *role == Role::EnterpriseUser, "{role:?}");
            assert_eq!(
                may_oversee_training(&p),
                matches!(role, Role::CityAdmin | Role::CityStaff),
                "{role:?}"
            );
        }
    }

    #[test]
    fn the_city_records_talent_enterprises_their_ip_and_towns_read_theirs() {
        for role in Role::ALL {
            let p = principal(*role, Some("442000118"));
            let expected = match role {
                Role::CityAdmin | Role::CityStaff => EnterpriseScope::All,
                Role::TownStaff => EnterpriseScope::Town("442000118".into()),
                Role::EnterpriseUser => EnterpriseScope::Single(42),
                Role::PlatformStaff | Role::Expert => EnterpriseScope::Nothing,
            };
            assert_eq!(talent_scope(&p), expected, "{role:?}");
            assert_eq!(
                may_record_talent(&p),
                matches!(role, Role::CityAdmin | Role::CityStaff),
                "{role:?}"
            );
            assert_eq!(
                may_record_ip(&p),
                matches!(
                    role,
                    Role::CityAdmin | Role::CityStaff | Role::EnterpriseUser
                ),
                "{role:?}"
            );
        }
    }
}
