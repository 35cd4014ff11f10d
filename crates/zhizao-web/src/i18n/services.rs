//! The service platforms' words: the directory, a platform's profile, the sectors.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    pub(crate) fn platforms_found(&self, count: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("共 {count} 个平台"),
            Language::En => format!("{count} platforms"),
        }
    }

    pub(crate) fn sector_saved(&self, name: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已保存板块“{name}”"),
            Language::En => format!("Saved the sector {name}"),
        }
    }
}

messages! {
    SERVICE_MESSAGES;
    nav_platforms: "服务平台", "Service platforms";
    platforms_title: "公共技术服务平台", "Public technology service platforms";
    platforms_hint: "全市公共技术服务平台体系：各服务平台及市级公共技术服务单位，按板块为企业提供研发、设计、制造、销售、运维等全链条服务。", "The city's public technology service platform system: the service platforms and the city-level public technology service units, by sector, serving enterprises through research, design, manufacturing, sales and maintenance.";
    all_sectors: "全部板块", "All sectors";
    platform_search_label: "名称、运营机构或服务", "Name, operator or service";
    city_units_only: "只看市级公共技术服务单位", "City-level service units only";
    no_platforms: "没有符合条件的平台", "No platform matches";
    city_unit_badge: "市级公共技术服务单位", "City-level service unit";
    platform_operator_label: "运营机构", "Operator";
    platform_contact_label: "联系人", "Contact";
    platform_phone_label: "联系电话", "Telephone";
    platform_email_label: "电子邮箱", "E-mail";
    platform_website_label: "网站", "Website";
    platform_staff_label: "服务人员数", "Service staff";
    platform_summary_label: "平台简介", "About the platform";
    platform_profile_title: "平台信息", "Profile";
    recognitions_title: "认定与荣誉", "Recognitions";
    no_recognitions: "暂无认定", "No recognitions yet";
    updated_label: "更新于", "Updated";
    edit_platform_profile: "编辑平台信息", "Edit the profile";
    platform_profile_saved: "平台信息已保存", "The profile is saved";
    city_keeps_hint: "所属板块、市级公共技术服务单位认定和各级认定由市科技局维护。", "The sector, the city-level unit mark and the recognitions are kept by the city.";
    recognition_level_label: "认定级别", "Level";
    recognition_title_label: "认定名称", "Title";
    recognition_year_label: "认定年份", "Year";
    choose_recognition_level: "请选择认定级别", "choose a level";
    recognition_rows_hint: "清空名称和年份即删除该项；在空行中添加。", "Clear a row's title and year to remove it; add in the blank rows.";
    sectors_title: "服务板块", "Sectors";
    sectors_hint: "公共技术服务平台体系按板块组织（如智能制造、共性工厂、共享设计、检验检测认证）；平台的板块在平台信息中设定。", "The platform system is organised in sectors (smart manufacturing, shared factories, shared design, testing and certification, …); a platform's sector is set on its profile.";
    english_name_label: "英文名称", "English name";
    sector_position_label: "排序", "Position";
    platforms_count_label: "平台数", "Platforms";
    save_sector_title: "新增或修改板块", "Add or change a sector";
    save_sector_hint: "填写已有编码即修改该板块。", "An existing code changes that sector.";
}
