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

    pub(crate) fn services_found(&self, count: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("共 {count} 项服务"),
            Language::En => format!("{count} services"),
        }
    }

    pub(crate) fn price_yuan(&self, yuan: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("{yuan} 元"),
            Language::En => format!("¥{yuan}"),
        }
    }

    pub(crate) fn service_version(&self, version: impl std::fmt::Display) -> String {
        match self.0 {
            Language::ZhCn => format!("第 {version} 版"),
            Language::En => format!("version {version}"),
        }
    }

    pub(crate) fn service_notice_until(&self, until: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("公示至 {until}，期满后发布"),
            Language::En => format!("On public notice until {until}; published then"),
        }
    }

    pub(crate) fn service_step_done(&self, status: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已完成，当前状态：{status}"),
            Language::En => format!("Done; the service is now: {status}"),
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
    nav_public_services: "公共服务", "Public services";
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
    nav_services: "服务目录", "Service catalogue";
    catalogue_title: "服务目录", "Service catalogue";
    catalogue_hint: "各服务平台经市科技局审核、公示后发布的服务：可按板块、平台、是否免费、是否可用创新券筛选。", "The services the platforms offer, published after the city's check and a public notice; filter by sector, platform, free services and those innovation vouchers may pay.";
    check_queue: "待审核服务", "Services to check";
    new_service: "发布服务", "Offer a service";
    all_platforms: "全部平台", "All platforms";
    service_search_label: "服务名称或内容", "Title or description";
    free_only: "只看免费服务", "Free services only";
    vouchers_only: "只看可用创新券的服务", "Voucher-eligible only";
    no_services: "没有符合条件的服务", "No service matches";
    service_title_label: "服务名称", "Service";
    delivery_mode_label: "服务方式", "Delivery";
    service_price_label: "收费", "Price";
    service_price_yuan_label: "固定价格（元，仅固定价格填写）", "Fixed price (yuan; fixed-price services only)";
    price_model_label: "收费方式", "Price model";
    lead_days_label: "办理周期（天）", "Lead time (days)";
    vouchers_badge: "可用创新券", "Vouchers";
    free_badge: "免费", "Free";
    vouchers_apply_label: "可使用科技创新券", "Innovation vouchers may pay part of it";
    service_description_label: "服务内容", "What the enterprise gets";
    service_form_title: "服务信息", "Service";
    service_form_hint: "保存为草稿后提交市科技局审核；审核通过后公示 5 天，期满发布。已发布的服务修改须新建版本。", "Saved as a draft, then submitted for the city's check; approved services are on public notice for five days, then published. A published service is changed by a new version.";
    service_saved: "服务已保存为草稿", "The service is saved as a draft";
    returned_because: "退回原因", "Returned because";
    submit_for_check: "提交审核", "Submit for the city's check";
    new_version: "新建版本", "New version";
    withdraw: "下架", "Withdraw";
    withdraw_confirm: "确定下架该服务？下架后不再出现在服务目录中。", "Withdraw this service? It leaves the catalogue.";
    city_check_title: "审核", "The city's check";
    check_note_label: "审核意见（退回时必填）", "Note (required to return)";
    approve_to_notice: "通过并公示", "Approve for public notice";
    return_service: "退回修改", "Return";
}
