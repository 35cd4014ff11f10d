//! The words of talent, innovation teams and IP.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    /// "8 人".
    pub(crate) fn talent_members(&self, members: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("{members} 人"),
            Language::En => format!("{members} members"),
        }
    }
}

messages! {
    TALENT_MESSAGES;
    nav_talent: "人才与知识产权", "Talent and IP";
    talent_title: "人才、创新团队与知识产权", "Talent, innovation teams and IP";
    talent_hint: "引进人才、创新团队和企业知识产权的登记，均关联到企业，必要时关联到项目；上方数字按当前可见范围从记录实时统计。", "The register of talents brought in, innovation teams and enterprises' IP, each tied to an enterprise and, where relevant, to a project; the figures above are counted from the records in your scope.";
    talent_count: "引进人才", "Talents";
    talent_doctorates: "其中博士", "Doctorates";
    talent_patents_by_talents: "人才发明专利", "Invention patents by talents";
    talent_teams: "创新团队", "Innovation teams";
    talent_teams_manufacturing_it: "先进制造与信息技术团队", "Teams in manufacturing and IT";
    talent_tab_talents: "人才", "Talents";
    talent_tab_teams: "创新团队", "Teams";
    talent_tab_ip: "知识产权", "IP";
    talent_none: "暂无记录", "No records";
    talent_edit: "修改人才信息", "Edit talent";
    talent_team_edit: "修改团队信息", "Edit team";
    talent_ip_edit: "修改知识产权", "Edit IP";
    talent_edit_link: "修改", "Edit";
    talent_new: "登记人才", "Record a talent";
    talent_team_new: "登记创新团队", "Record a team";
    talent_ip_new: "登记知识产权", "Record IP";
    talent_team_name: "团队名称", "Team";
    talent_degree: "学历学位", "Degree";
    talent_field: "领域", "Field";
    talent_level: "级别", "Level";
    talent_leader: "带头人", "Leader";
    talent_members_label: "团队人数", "Members";
    talent_programme: "引才计划", "Programme";
    talent_year: "年份", "Year";
    talent_project: "关联项目", "Project";
    talent_project_number: "关联项目编号（可不填）", "Project number (optional)";
    talent_enterprise_code: "所在企业统一社会信用代码", "Enterprise's credit code";
    talent_ip_number: "申请号/登记号", "Number";
    talent_ip_title: "名称", "Title";
    talent_ip_kind: "类型", "Kind";
    talent_ip_status: "状态", "Status";
    talent_filed_on: "申请日", "Filed on";
    talent_granted_on: "授权日", "Granted on";
    talent_inventors: "人才发明人", "Talents among the inventors";
    talent_save: "保存", "Save";
    talent_saved: "已登记", "Recorded";
    talent_choose: "请从列表中选择", "choose from the list";
}
