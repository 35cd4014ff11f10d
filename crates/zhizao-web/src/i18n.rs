//! The pages' words in Simplified Chinese and English.
//!
//! Every string a page shows is a method on [`Tr`], so a template that names a missing message
//! does not compile, and a unit test checks that no message is empty in either language.

use zhizao_core::{Language, Text};

/// The translator for one request's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tr(pub(crate) Language);

impl Tr {
    /// An upload larger than `megabytes`.
    pub(crate) fn file_too_large(&self, megabytes: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("文件过大：最多 {megabytes} MB"),
            Language::En => format!("the file is too large: at most {megabytes} MB"),
        }
    }

    /// A criterion's score that is not a whole number.
    pub(crate) fn score_not_whole(&self, criterion: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("“{criterion}”的分数应为 0 至 100 的整数"),
            Language::En => {
                format!("the score for {criterion} must be a whole number from 0 to 100")
            }
        }
    }

    /// A scoring criterion written without its weight.
    pub(crate) fn criterion_format(&self, item: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("评分标准“{item}”应写成 名称:权重"),
            Language::En => format!("write the criterion {item:?} as name:weight"),
        }
    }

    /// A rule set version as people name it: its name and version, not its code.
    pub(crate) fn rule_set_version(&self, name: &str, version: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("{name}（第 {version} 版）"),
            Language::En => format!("{name}, version {version}"),
        }
    }

    /// One cell of a numbered line item, as a problem names it.
    pub(crate) fn item_row_cell(&self, row: usize, cell: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("第 {row} 行 {cell}"),
            Language::En => format!("row {row}, {cell}"),
        }
    }

    /// The dates a batch's projects must fall within, as a hint beside the dates.
    pub(crate) fn project_window_hint(&self, from: &str, until: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("本批次的项目起止日期和发票日期须在 {from} 至 {until} 之间"),
            Language::En => {
                format!("The batch takes projects and invoices dated from {from} to {until}")
            }
        }
    }

    /// A numbered row.
    pub(crate) fn row_label(&self, row: impl std::fmt::Display) -> String {
        match self.0 {
            Language::ZhCn => format!("第 {row} 行"),
            Language::En => format!("Row {row}"),
        }
    }

    /// A submitted application: where it went.
    pub(crate) fn submitted_to_town(&self, town: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已提交至{town}审核"),
            Language::En => format!("Submitted to {town} for review"),
        }
    }

    /// An application put on public notice: until when.
    pub(crate) fn notice_started(&self, until: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已进入公示，公示期至 {until}"),
            Language::En => format!("On public notice until {until}"),
        }
    }

    /// An approved application and its subsidy.
    pub(crate) fn approved_with(&self, granted: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已批准立项，核定补助 {granted} 元"),
            Language::En => format!("Approved, with a subsidy of {granted} yuan"),
        }
    }

    /// A recorded payment.
    pub(crate) fn disbursed_amount(&self, amount: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已登记拨付 {amount} 元"),
            Language::En => format!("Payment of {amount} yuan recorded"),
        }
    }

    /// Any other step: what was done and where the application now stands.
    pub(crate) fn step_done(&self, step: &str, status: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已办理“{step}”，当前状态：{status}"),
            Language::En => format!("Done: {step}. The application is now: {status}"),
        }
    }

    /// An evaluation's result.
    pub(crate) fn evaluated(&self, amount: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已按补助规则测算：{amount} 元"),
            Language::En => format!("Computed under the rule set: {amount} yuan"),
        }
    }

    /// An uploaded attachment.
    pub(crate) fn attachment_added(&self, purpose: &str, file: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已上传附件“{purpose}”：{file}"),
            Language::En => format!("Attachment \"{purpose}\" uploaded: {file}"),
        }
    }

    /// The question asked before a step that cannot be undone.
    pub(crate) fn confirm_step(&self, step: &str, project: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("确定对“{project}”执行“{step}”？此操作不可撤销。"),
            Language::En => format!("{step} \"{project}\"? This cannot be undone."),
        }
    }

    /// A submitted major-project proposal.
    pub(crate) fn proposal_submitted(&self, number: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已提交重大专项申报 {number}，可在受理期内补充附件"),
            Language::En => {
                format!(
                    "Proposal {number} submitted; attachments can be added while the call is open"
                )
            }
        }
    }

    /// A sign-up received.
    pub(crate) fn not_whole_number(&self, text: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("“{text}”不是整数"),
            Language::En => format!("{text:?} is not a whole number"),
        }
    }

    pub(crate) fn todo_signups(&self, count: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("{count} 个企业注册申请待审核"),
            Language::En => format!("{count} company sign-up(s) to check"),
        }
    }

    pub(crate) fn signup_sent(&self, town: &str) -> String {
        match self.0 {
            Language::ZhCn => format!(
                "注册申请已提交，由{town}或市级部门审核；审核结果将发到您的电子邮箱或手机，通过后即可登录。"
            ),
            Language::En => format!(
                "Your request was sent to {town} or the city to check; you will hear the outcome by e-mail or SMS and can sign in once it is approved."
            ),
        }
    }

    /// A sign-up approved.
    pub(crate) fn signup_approved(&self, enterprise: &str, username: &str) -> String {
        match self.0 {
            Language::ZhCn => {
                format!("已通过{enterprise}的注册，账号“{username}”现在可以登录，并已通知申请人")
            }
            Language::En => format!(
                "{enterprise} is approved: the account {username:?} works now and the applicant was told"
            ),
        }
    }

    /// A sign-up refused.
    pub(crate) fn signup_rejected(&self, enterprise: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已退回{enterprise}的注册申请，并已通知申请人"),
            Language::En => format!("{enterprise}'s request was refused and the applicant told"),
        }
    }

    /// When a message was handed to the gateway.
    pub(crate) fn delivered_at(&self, when: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已发出 {when}"),
            Language::En => format!("Delivered {when}"),
        }
    }

    /// A message the gateway refused so far.
    pub(crate) fn delivery_failed(&self, attempts: i64, error: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("发送失败 {attempts} 次：{error}"),
            Language::En => format!("Failed {attempts} time(s): {error}"),
        }
    }

    /// A deleted draft.
    pub(crate) fn draft_deleted(&self, number: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已删除草稿 {number}"),
            Language::En => format!("Draft {number} deleted"),
        }
    }

    /// A year that is not a programme year.
    pub(crate) fn year_out_of_range(&self, typed: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("年度应为 2000 至 2100 之间的数字，“{typed}”不是"),
            Language::En => format!("the year must be a number from 2000 to 2100, not {typed:?}"),
        }
    }

    /// A recognition in one line.
    pub(crate) fn recognition_summary(
        &self,
        level: &str,
        kind: &str,
        year: &str,
        title: &str,
    ) -> String {
        let title = if title.is_empty() {
            String::new()
        } else {
            format!(" {title}")
        };
        match self.0 {
            Language::ZhCn => format!("{level}{kind}（{year}）{title}"),
            Language::En => format!("{level} {kind} ({year}){title}"),
        }
    }

    /// A returned application on the enterprise's home page.
    pub(crate) fn todo_returned(&self, project: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("“{project}”被退回，请按意见修改后重新提交"),
            Language::En => format!("\"{project}\" was returned: fix it as asked and submit again"),
        }
    }

    /// A draft not yet submitted.
    pub(crate) fn todo_draft(&self, project: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("“{project}”尚未提交"),
            Language::En => format!("\"{project}\" is a draft, not yet submitted"),
        }
    }

    /// An approved project with a subsidy, waiting for its completion report.
    pub(crate) fn todo_report_completion(&self, project: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("“{project}”已立项，完工后申请验收"),
            Language::En => format!("\"{project}\" is approved: report completion when it is done"),
        }
    }

    /// Devices not connected.
    pub(crate) fn todo_offline_devices(&self, count: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("{count} 台设备离线"),
            Language::En => format!("{count} device(s) offline"),
        }
    }

    /// A review an expert has not given yet.
    pub(crate) fn todo_review(&self, project: &str, call: &str, due: Option<&str>) -> String {
        match (self.0, due) {
            (Language::ZhCn, Some(due)) => format!("待评审：“{project}”（{call}），{due} 前完成"),
            (Language::ZhCn, None) => format!("待评审：“{project}”（{call}）"),
            (Language::En, Some(due)) => format!("To review: \"{project}\" ({call}), due {due}"),
            (Language::En, None) => format!("To review: \"{project}\" ({call})"),
        }
    }

    /// The `lang` attribute.
    pub(crate) fn tag(&self) -> &'static str {
        self.0.tag()
    }

    /// Whether the language is Chinese.
    pub(crate) fn is_zh(&self) -> bool {
        self.0 == Language::ZhCn
    }

    /// A domain message in this language.
    pub(crate) fn text<'a>(&self, text: &'a Text) -> &'a str {
        text.get(self.0)
    }

    /// Picks between two strings (for names the database holds in both languages).
    pub(crate) fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_zh() || en.is_empty() {
            zh
        } else {
            en
        }
    }
}

/// A message in both languages, for what carries both until it is shown (a field error):
/// `both(Tr::year_required)`.
pub(crate) fn both(message: fn(&Tr) -> &'static str) -> Text {
    Text::new(message(&Tr(Language::ZhCn)), message(&Tr(Language::En)))
}

/// A formatted message in both languages, for a field error.
pub(crate) fn both_with(message: impl Fn(&Tr) -> String) -> Text {
    Text::owned(message(&Tr(Language::ZhCn)), message(&Tr(Language::En)))
}

macro_rules! messages {
    ($all:ident; $($key:ident: $zh:literal, $en:literal;)+) => {
        impl Tr {
            $(
                pub(crate) fn $key(&self) -> &'static str {
                    match self.0 {
                        Language::ZhCn => $zh,
                        Language::En => $en,
                    }
                }
            )+
        }

        #[cfg(test)]
        pub(crate) const $all: &[(&str, &str, &str)] = &[$((stringify!($key), $zh, $en)),+];
    };
}

mod actions;
mod assessments;
pub(crate) mod dashboard;
mod factories;
mod markers;
mod open_data;
mod requests;
mod services;
mod solutions;
mod talent;
mod training;
mod vouchers;

messages! {
    ALL_MESSAGES;
    whole_number_required: "请填写整数", "enter a whole number";
    year_required: "请填写年份", "enter the year";
    must_be_whole_number: "应为整数", "must be a whole number";
    stale_record: "该记录已被他人修改，请刷新后重试", "someone else changed this record; reload and try again";
    open_call: "开始受理", "Open";
    close_call_for_review: "截止并进入评审", "Close and review";
    finish_review: "评审结束", "Finish";
    trail_created: "创建", "created";
    trail_updated: "修改", "changed";
    trail_recorded: "按档案登记", "recorded";
    choose_file_to_upload: "请选择要上传的文件", "choose a file to upload";
    yuan_unit: "元", "yuan";
    cap_per_project: "单项目上限", "cap per project";
    cap_per_enterprise_year: "企业年度上限", "cap per enterprise-year";
    related_parties_excluded: "排除关联方采购", "related parties excluded";
    invoiced_from: "发票不早于", "invoiced from";
    publish_batch: "发布", "Publish";
    close_batch: "结束受理", "Close";
    rows_unit: "行", "rows";
    history_imported: "，已导入", ", imported";
    history_checked: "，检查通过（未写入）", ", checked (nothing written)";
    history_refused: "，有错误，未导入任何数据", ", with problems: nothing imported";
    default_required_attachment: "营业执照", "Business licence";
    new_application: "新建项目申报", "New application";
    edit_application: "修改申报", "Edit application";
    total_row: "合计", "Total";
    rate_as_percentage: "补助比例应写成百分数，如 10 或 12.5", "write the rate as a percentage, e.g. 10 or 12.5";
    app_name: "智造平台", "Zhizao";
    app_subtitle: "中山市智能制造公共技术服务平台", "Zhongshan smart-manufacturing public service platform";
    nav_home: "首页", "Home";
    nav_enterprises: "企业名录", "Enterprises";
    nav_organizations: "机构", "Organisations";
    nav_devices: "设备", "Devices";
    nav_sql: "数据查询", "SQL console";
    nav_equipment_data: "设备与数据", "Equipment & data";
    nav_administration: "系统管理", "Administration";
    nav_more: "更多", "More";
    menu: "菜单", "Menu";
    passwords_differ: "两次输入的密码不一致", "The two passwords differ";
    password_again: "再次输入密码", "Password again";
    password_reset_done: "密码已重设，请用新密码登录", "Your password is reset; sign in with the new one";
    waiting_delivery: "待发送", "Waiting";
    signup_title: "企业注册", "Enterprise sign-up";
    signup_hint: "填写统一社会信用代码和联系人信息申请账号，由所在镇街或市级部门审核；通过后您成为本企业账号的管理员，可以为同事开设账号。", "Ask for an account with your credit code; your town or the city checks the request. Once approved you administer your company's accounts and can open some for your colleagues.";
    signup_enterprise: "企业信息", "The company";
    signup_account: "联系人与账号", "Contact and account";
    signup_submit: "提交注册申请", "Send the request";
    mobile: "手机号", "Mobile";
    signups_hint: "核对统一社会信用代码与企业名录中的登记信息；通过后系统关联（或登记）该企业并开通账号。", "Check the credit code against the registry; approving links (or registers) the company and opens the account.";
    signup_registry_match: "企业名录中的登记", "In the registry";
    name_differs: "名称与申请不一致", "Name differs";
    not_registered_yet: "未登记（通过后按申请信息登记）", "Not registered (approving registers it as requested)";
    decided: "审核", "Decided";
    approve_signup: "通过并开通账号", "Approve and open the account";
    reject_signup: "不予通过", "Refuse";
    confirm_signup_approve: "确定通过该注册申请并开通账号？", "Approve this request and open the account?";
    forgot_title: "忘记密码", "Forgotten password";
    forgot_login: "用户名、电子邮箱或手机号", "User name, e-mail or mobile";
    forgot_password: "忘记密码？", "Forgotten your password?";
    reset_title: "重设密码", "Reset your password";
    reset_link_broken: "链接无效、已使用或已过期。", "The link is wrong, used or expired.";
    notifications_hint: "平台发给用户的消息（重设密码链接、注册审核结果）。配置了短信/邮件网关时由系统自动发送。", "Messages the platform sends to people (reset links, sign-up outcomes); delivered by the gateway when one is configured.";
    recipient: "接收人", "Recipient";
    message: "内容", "Message";
    nav_signups: "企业注册审核", "Enterprise sign-ups";
    nav_factories: "共享工厂", "Shared factories";
    publish: "发布", "Publish";
    nav_notifications: "通知发送记录", "Notification outbox";
    org_admin_label: "本机构管理员（可管理本机构的用户）", "Administrator of the organisation (manages its users)";
    send_reset_link: "发送重设密码链接", "Send a password-reset link";
    send_reset_link_hint: "链接发到该用户的电子邮箱或手机，30 分钟内有效，只能使用一次", "Sent to the user's e-mail or mobile; it works once, within 30 minutes";
    reset_link_sent: "如果该账号存在且留有电子邮箱或手机号，重设密码的链接已发出，30 分钟内有效。", "If the account exists and has an e-mail address or mobile number, a reset link was sent; it works for 30 minutes.";
    home_my_applications_of: "技改项目申报", "Technology-upgrade applications";
    none_yet: "暂无", "None yet";
    same_profile_devices: "同型号的其他设备", "Other devices of this profile";
    all_devices: "全部设备", "All devices";
    all_applications: "查看全部申报", "All applications";
    more_filters: "更多筛选", "More filters";
    devices_title: "设备", "Devices";
    device_name: "设备名称", "Device name";
    device_label: "显示名称", "Label";
    device_profile: "设备型号", "Device profile";
    serial_number: "序列号", "Serial number";
    telemetry_database: "数据库", "Database";
    last_reported: "最近上报", "Last seen";
    connection: "连接", "Connection";
    online: "在线", "online";
    offline: "离线", "offline";
    disabled_label: "已停用", "disabled";
    register_device: "登记设备", "Register a device";
    register: "登记", "Register";
    device_token_once: "设备访问令牌（仅显示这一次，请立即复制到设备配置中）：", "The device's access token (shown only this once; copy it into the device's configuration now):";
    import_devices: "从表格批量登记", "Register from a spreadsheet";
    import_devices_hint: "列：设备名称、设备型号，可选显示名称、序列号、数据库；有任何错误则全部不登记。", "Columns: device name, device profile, optionally label, serial number, database; with any error nothing is registered.";
    no_profiles_hint: "还没有设备型号：请先定义设备型号，再登记设备。", "No device profiles yet: define one first, then register devices.";
    device_profiles: "设备型号", "Device profiles";
    device_profiles_hint: "设备型号（产品模型）说明一类设备上报哪些遥测字段（类型和单位）、有哪些属性、接受哪些命令，以及数据写入哪张表。", "A device profile (product model) says which telemetry fields a kind of device reports (with types and units), which attributes it has, which commands it accepts, and which table its data goes to.";
    new_profile: "新建设备型号", "New device profile";
    edit_profile: "编辑设备型号", "Edit device profile";
    no_profiles: "还没有设备型号。", "No device profiles yet.";
    profile_name: "型号名称", "Profile name";
    profile_name_fixed: "型号名称创建后不能修改。", "A profile's name cannot change once it is created.";
    telemetry_table: "遥测数据表", "Telemetry table";
    telemetry_table_hint: "该型号设备的数据写入此表，SQL 查询时使用；留空则与型号名称相同。", "Where this profile's devices' points go, as SQL names it; empty means the profile's name.";
    telemetry_fields: "遥测字段", "Telemetry fields";
    attribute_count: "属性数", "Attributes";
    command_count: "命令数", "Commands";
    device_count: "设备数", "Devices";
    profile_rows_hint: "字段名、属性名和命令名用于数据和接口，不能以“_”开头；显示名称是页面上的称呼。空行不会保存，“移除”和“添加一行”在保存前不会改动已保存的型号。", "Field, attribute and command names are what data and interfaces use and cannot start with '_'; the label is what pages call it. Blank rows are not saved; 'Remove' and 'Add a row' change nothing stored until you save.";
    field_name: "字段名", "Field name";
    field_type: "类型", "Type";
    spec_label: "显示名称", "Label";
    last_changed: "最近修改", "Last changed";
    add_row: "添加一行", "Add a row";
    remove_row: "移除", "Remove";
    attribute_name: "属性名", "Attribute name";
    command_name: "命令（RPC 方法）", "Command (RPC method)";
    command_param_names: "参数名（逗号分隔）", "Parameter names (comma-separated)";
    profile_used: "仍有设备使用此型号，删除前须先删除这些设备或改用其他型号。", "Devices use this profile: delete them or move them to another profile before deleting it.";
    profile_unused: "没有设备使用此型号。", "No device uses this profile.";
    delete_profile: "删除此型号", "Delete this profile";
    profile_deleted: "设备型号已删除", "Device profile deleted";
    profile_in_use: "不能删除：仍有设备使用此型号，请先删除这些设备或改用其他型号。使用中的设备数：", "Not deleted: devices still use this profile; delete them or move them to another profile first. Devices using it: ";
    name_taken: "该名称已被使用", "This name is already used";
    type_float: "浮点数", "Float";
    type_integer: "整数", "Integer";
    type_unsigned: "无符号整数", "Unsigned integer";
    type_string: "文本", "String";
    type_boolean: "是/否", "Boolean";
    latest_values: "最新数据", "Latest values";
    field: "字段", "Field";
    value: "数值", "Value";
    unit: "单位", "Unit";
    updated_at: "时间", "Time";
    live_hint: "数据实时推送，无需刷新。", "Values are pushed live; no need to reload.";
    chart: "趋势图", "Chart";
    time_range: "时间范围", "Time range";
    range_hour: "1 小时", "1 hour";
    range_day: "1 天", "1 day";
    range_week: "7 天", "7 days";
    range_month: "30 天", "30 days";
    range_year: "1 年", "1 year";
    no_data: "暂无数据", "No data";
    attributes: "属性", "Attributes";
    client_attributes: "设备上报", "Reported by the device";
    shared_attributes: "下发属性", "Shared with the device";
    commands: "命令", "Commands";
    send_command: "发送命令", "Send command";
    command_params: "参数（JSON）", "Parameters (JSON)";
    command_response: "设备应答", "Response";
    connect_device: "设备接入", "Connecting the device";
    sql_console: "数据查询（SQL）", "SQL console";
    sql_hint: "对本企业的遥测数据执行 SQL（Apache DataFusion 方言）；只能读取本企业的数据。", "Runs SQL (Apache DataFusion's dialect) over your enterprise's telemetry; only your enterprise's data is visible.";
    run_query: "执行", "Run";
    tables: "数据表", "Tables";
    download_csv: "下载 CSV", "Download CSV";
    nav_users: "用户", "Users";
    nav_audit: "审计日志", "Audit log";
    nav_account: "我的账号", "My account";
    nav_api: "API 文档", "API";
    switch_language: "English", "中文";
    sign_in: "登录", "Sign in";
    sign_out: "退出", "Sign out";
    username: "用户名", "User name";
    password: "密码", "Password";
    sign_in_title: "登录智造平台", "Sign in to Zhizao";
    sign_in_failed: "用户名或密码不正确", "Wrong user name or password";
    sign_in_throttled: "尝试次数过多，请稍后再试", "Too many attempts; please try again later";
    nav_projects: "项目申报", "Projects";
    experts: "评审专家", "Experts";
    experts_hint: "填写专家的工作单位（统一社会信用代码）和申报的利益关系单位；分配专家时不会把与申报单位有关系的专家分配给该项目。", "Give each expert's employer (credit code) and the organisations they declared a relation with; assignment never gives an expert an applicant they are related to.";
    affiliation: "工作单位", "Employer";
    declared_relations: "利益关系单位（信用代码）", "Declared relations (credit codes)";
    new_call: "新建专项", "New call";
    criteria: "评分标准（名称:权重）", "Criteria (name:weight)";
    experts_per_application: "每项目专家数", "Experts per application";
    assign_experts: "分配专家", "Assign experts";
    rank_scores: "汇总排名", "Rank";
    decide: "决定", "Decide";
    expected_efficiency: "预计效率提升（%）", "Expected efficiency gain (%)";
    expected_energy: "预计年节能（吨标准煤）", "Expected energy saving (tce a year)";
    item_rows_have_errors: "投资明细有误，请查看标红的行", "Some line items have problems; see the rows marked below";
    new_batch: "新建批次", "New batch";
    batch_code: "批次编号", "Batch code";
    notice_days: "公示天数", "Notice days";
    eligibility: "申报条件", "Eligibility";
    required_attachments_hint: "多个附件用逗号或顿号分隔", "Separate several with commas";
    nav_major: "重大科技专项", "Major S&T projects";
    nav_reviews: "评审任务", "My reviews";
    topics: "方向", "Topics";
    budget: "预算（元）", "Budget (yuan)";
    requested: "申请金额（元）", "Requested (yuan)";
    score: "得分", "Score";
    rank: "排名", "Rank";
    awarded: "资助金额（元）", "Awarded (yuan)";
    blind_hint: "盲评：不显示申报单位和其他专家的评分。与申报单位有利益关系时系统会拒绝评分并记录。", "Blind review: the applicant and other experts' scores are not shown. If you have a conflict of interest with the applicant, scoring is refused and recorded.";
    objectives: "研究目标", "Objectives";
    approach: "技术路线", "Technical approach";
    indicators: "考核指标", "Indicators";
    proposal_budget: "经费预算", "Budget";
    budget_item: "预算科目", "Item";
    planned_milestones: "计划里程碑", "Planned milestones";
    due_by: "完成时间", "due";
    review_due_by: "评审截止", "Scores due by";
    blind_review: "盲评（专家看不到申报单位）", "Blind review (experts do not see the applicant)";
    milestone_title: "里程碑", "Milestone";
    milestone_accepted: "已验收", "Accepted";
    milestone_reported: "已报告", "Reported";
    milestone_open: "进行中", "Open";
    proposal_form_hint: "填写研究目标、技术路线、考核指标、经费预算和计划里程碑；评审专家据此评分。预算合计不得少于申请金额。", "Give the objectives, approach, indicators, budget and planned milestones: the experts score what you write here. The budget must cover the amount requested.";
    milestones: "里程碑", "Milestones";
    expert_reviews: "专家评审", "Expert reviews";
    no_attachments: "暂无附件", "No attachments";
    attachment_purpose_hint: "附件用途，如 技术报告", "What it is, e.g. technical report";
    no_reviews: "暂无评审任务。", "No reviews assigned.";
    in_progress: "办理中", "In progress";
    import_history: "导入历史批次", "Import past batches";
    import_history_hint: "每行一个项目：批次编号、批次名称、专项、年度、统一社会信用代码、项目名称、改造类型、总投资（万元）、核定补助（万元）、已拨付（万元）、状态；有任何错误则全部不导入。", "One project per row: batch code, batch title, programme, year, credit code, project name, upgrade type, investment, granted and paid (10,000 yuan), status; with any problem nothing is imported.";
    attachments: "附件", "Attachments";
    required_attachments: "本批次要求的附件", "Required by the batch";
    upload: "上传", "Upload";
    file: "文件", "File";
    attachment_hint: "PDF、图片或 Excel/Word 文件，每个不超过 20 MB；按文件内容检查类型。", "PDF, images, Excel or Word files up to 20 MB each; the type is checked from the content.";
    nav_notices: "项目公示", "Public notice";
    projects_title: "技术改造项目", "Technology-upgrade projects";
    work_queue: "待办", "Waiting";
    open_batches: "正在受理的批次", "Open batches";
    apply: "申报", "Apply";
    closes_on: "截止日期", "Closes";
    number: "编号", "Number";
    project_name: "项目名称", "Project";
    enterprise: "企业", "Enterprise";
    investment: "总投资（元）", "Investment (yuan)";
    granted: "核定补助（元）", "Granted (yuan)";
    disbursed: "已拨付（元）", "Paid (yuan)";
    waiting_days: "已等待（天）", "Waiting (days)";
    batch: "批次", "Batch";
    batches_and_rules: "批次与补助规则", "Batches and rules";
    reports: "统计报表", "Reports";
    upgrade_type: "改造类型", "Upgrade type";
    project_period: "建设期", "Project period";
    starts_on: "开始日期", "Start date";
    ends_on: "结束日期", "End date";
    this_application: "本申报", "This application";
    colon: "：", ": ";
    separator: "；", "; ";
    delete_draft: "删除草稿", "Delete draft";
    confirm_delete_draft: "确定删除这份草稿及其附件？此操作不可撤销。", "Delete this draft and its attachments? This cannot be undone.";
    export_format_unknown: "导出格式应为 Excel（xlsx）或 CSV", "Export as Excel (xlsx) or CSV";
    all_years: "全部年度", "All years";
    sql_rows: "共 {n} 行", "{n} rows";
    sql_showing: "，显示第 {from}–{to} 行", ", showing {from}–{to}";
    sql_time_zone: "时间为北京时间（下载的 CSV 为 UTC）", "times in Beijing time (the CSV download is in UTC)";
    sql_running: "查询中…", "Running…";
    home_todos: "待办事项", "To do";
    home_nothing_to_do: "暂无待办事项", "Nothing waiting on you";
    home_my_applications: "我的技改申报", "My applications";
    home_my_major: "我的重大专项申报", "My major-project applications";
    home_my_devices: "我的设备", "My devices";
    home_devices_online: "在线", "online";
    home_my_reviews: "我的评审任务", "My reviews";
    review_done: "已评分", "Scored";
    review_due: "待评分", "Due";
    optional_comment: "意见（可选）", "Comment (optional)";
    step_has_problems: "未能办理，请修改下面标出的问题", "Not done: fix the problems marked below";
    objection_recorded: "已登记异议", "Objection recorded";
    objection_resolved: "已记录异议的处理意见", "Resolution recorded";
    attachment_deleted: "已删除附件", "Attachment deleted";
    draft_saved: "草稿已保存，尚未提交。补齐附件后点“提交申报”", "Draft saved, not yet submitted. Add the attachments, then Submit";
    expected_output: "预计新增年产值（元）", "Expected added annual output (yuan)";
    waiting_on: "待办方", "Waiting on";
    notice_ends: "公示截止", "Notice ends";
    investment_items: "投资明细", "Investment breakdown";
    category: "类别", "Category";
    item_name: "名称", "Name";
    model: "型号", "Model";
    quantity: "数量", "Quantity";
    unit_price: "单价（元）", "Unit price (yuan)";
    amount: "金额（元）", "Amount (yuan)";
    supplier: "供应商", "Supplier";
    related_party: "关联方", "Related party";
    invoice: "发票", "Invoice";
    invoice_number: "发票号", "Invoice number";
    invoice_date: "发票日期", "Invoice date";
    evaluations: "补助测算", "Subsidy calculations";
    evaluate: "按规则测算", "Calculate";
    rule_set: "补助规则", "Rule set";
    trail: "办理记录", "Trail";
    objections: "异议", "Objections";
    objector: "异议人", "Objector";
    record_objection: "登记异议", "Record an objection";
    resolve: "处理", "Resolve";
    resolution: "处理意见", "Resolution";
    comment: "意见", "Comment";
    comment_hint: "退回或不予通过时须写明理由", "Say why when returning or rejecting";
    programme: "专项", "Programme";
    window: "受理期", "Window";
    projects_from: "项目期限自", "Projects from";
    projects_until: "项目期限至", "Projects until";
    projects_from_hint: "项目起止日期和发票日期不得早于此日；不填为上一年度 1 月 1 日", "No project date or invoice before this day; by default 1 January of the year before";
    projects_until_hint: "不填时：事后奖补为受理截止日，其他专项为年度后第二年 12 月 31 日", "By default: the closing day for post-completion subsidies, otherwise 31 December two years on";
    project_window: "项目期限", "Project window";
    applications_count: "申报数", "Applications";
    projects_count: "立项数", "Projects";
    enterprises_count: "立项企业数", "Enterprises";
    enterprises_growth: "企业数同比", "Enterprises vs previous year";
    granted_growth: "补助额同比", "Granted vs previous year";
    group_by: "统计维度", "Group by";
    print: "打印", "Print";
    notice_title: "技术改造项目公示", "Public notice of technology-upgrade projects";
    notice_intro: "以下项目拟予立项或给予补助，现予公示。如有异议，请在公示期内以书面形式向中山市科学技术局反映（示例）。", "The following projects are proposed for approval or a subsidy. Objections may be made in writing to the city bureau during the notice period (sample).";
    notice_period: "公示期", "Notice period";
    proposed_subsidy: "拟补助金额（元）", "Proposed subsidy (yuan)";
    no_notices: "目前没有公示中的项目。", "Nothing is on public notice now.";
    edit_rules: "编辑规则", "Edit rules";
    rule_name: "规则名称", "Name";
    eligible_categories: "可计入类别", "Eligible categories";
    min_eligible: "最低可计入投资（元）", "Minimum eligible investment (yuan)";
    rate_percent: "补助比例（%）", "Rate (%)";
    cap_project: "单个项目上限（元）", "Cap per project (yuan)";
    cap_enterprise_year: "企业年度上限（元）", "Cap per enterprise per year (yuan)";
    exclude_related: "排除向关联方的采购", "Exclude purchases from related parties";
    earliest_invoice: "发票日期不早于", "Invoices dated from";
    rules_version_hint: "保存将生成新版本；已计算的金额仍按原版本。规则仅为示例。", "Saving writes a new version; amounts already computed keep theirs. The rules are illustrative.";
    version: "版本", "Version";
    uses: "使用情况", "Used by";
    more_rows_hint: "保存后会再提供空行。金额以元填写。", "Save to get more blank rows. Amounts in yuan.";
    search: "搜索", "Search";
    search_placeholder: "企业名称或统一社会信用代码", "Name or credit code";
    filter: "筛选", "Filter";
    reset: "重置", "Reset";
    all: "全部", "All";
    town: "镇街", "Town";
    industry: "行业", "Industry";
    size: "规模", "Size";
    above_designated: "规上企业", "Above designated size";
    below_designated: "规下企业", "Below designated size";
    recognitions: "认定情况", "Recognitions";
    recognition_kind: "认定类型", "Kind";
    recognition_level: "认定级别", "Level";
    year: "年份", "Year";
    title: "名称", "Title";
    sort: "排序", "Sort";
    sort_name: "按名称", "By name";
    sort_code: "按信用代码", "By credit code";
    sort_revenue: "营业收入从高到低", "Revenue, highest first";
    sort_employees: "从业人员从多到少", "Employees, most first";
    sort_updated: "最近更新", "Recently updated";
    credit_code: "统一社会信用代码", "Unified social credit code";
    enterprise_name: "企业名称", "Name";
    legal_representative: "法定代表人", "Legal representative";
    industry_code: "行业代码", "Industry class";
    employees: "从业人员", "Employees";
    annual_revenue: "年营业收入（元）", "Annual revenue (yuan)";
    address: "地址", "Address";
    contact_name: "联系人", "Contact";
    contact_phone: "联系电话", "Telephone";
    contact_email: "电子邮箱", "E-mail";
    established_on: "成立日期", "Established on";
    total_results: "共", "Total";
    results_unit: "条", "results";
    page_label: "页", "Page";
    previous_page: "上一页", "Previous";
    next_page: "下一页", "Next";
    no_results: "没有符合条件的记录", "Nothing matches";
    export_xlsx: "导出 Excel", "Export Excel";
    export_csv: "导出 CSV", "Export CSV";
    import: "导入", "Import";
    new_enterprise: "登记企业", "Register enterprise";
    edit: "编辑", "Edit";
    save: "保存", "Save";
    cancel: "取消", "Cancel";
    delete: "删除", "Delete";
    confirm_delete: "确定删除？此操作会记入审计日志。", "Delete? This is recorded in the audit log.";
    details: "基本信息", "Details";
    change_history: "变更记录", "Change history";
    when: "时间", "When";
    who: "操作人", "Who";
    action: "操作", "Action";
    changes: "变更内容", "Changes";
    source_address: "来源地址", "From";
    version_conflict: "该记录已被他人修改，请刷新后重试", "Someone else changed this record; reload and try again";
    saved: "已保存", "Saved";
    form_has_errors: "表单有错误，请检查标红的字段", "The form has errors; see the marked fields";
    import_title: "导入企业名录", "Import enterprises";
    import_help: "上传 .xlsx、.xls、.ods 或 .csv 文件（UTF-8 或 GBK 编码）。第一行为表头，可使用中文或英文列名。任一行有错误时不会导入任何数据。", "Upload an .xlsx, .xls, .ods or .csv file (UTF-8 or GBK). The first row holds the headers, in Chinese or English. If any row has a problem, nothing is imported.";
    import_file: "文件", "File";
    import_mode: "导入方式", "Mode";
    import_mode_create: "仅新增（已登记的信用代码视为错误）", "New only (registered credit codes are errors)";
    import_mode_upsert: "新增并更新已登记的企业", "New and update registered enterprises";
    import_dry_run: "仅检查，不写入", "Check only, write nothing";
    import_template: "下载导入模板", "Download the template";
    import_submit: "上传并导入", "Upload and import";
    import_report: "导入结果", "Import report";
    import_applied: "导入成功", "Imported";
    import_not_applied: "未导入任何数据", "Nothing was imported";
    import_checked: "检查通过（未写入）", "Checked, nothing written";
    rows_read: "读取行数", "Rows read";
    rows_created: "新增", "Created";
    rows_updated: "更新", "Updated";
    rows_unchanged: "无变化", "Unchanged";
    rows_to_create: "待新增", "To create";
    rows_to_update: "待更新", "To update";
    rows_with_errors: "有错误的行", "Rows with problems";
    row: "行", "Row";
    column: "列", "Column";
    reason: "原因", "Reason";
    ignored_columns: "已忽略的列", "Ignored columns";
    organizations: "机构", "Organisations";
    organization: "机构", "Organisation";
    new_organization: "新建机构", "New organisation";
    code: "代码", "Code";
    kind: "类型", "Kind";
    name: "名称", "Name";
    sector: "板块", "Sector";
    description: "简介", "Description";
    user_count: "用户数", "Users";
    users: "用户", "Users";
    new_user: "新建用户", "New user";
    display_name: "姓名", "Name";
    role: "角色", "Role";
    email: "电子邮箱", "E-mail";
    phone: "电话", "Telephone";
    status: "状态", "Status";
    active: "正常", "Active";
    disabled: "已停用", "Disabled";
    locked: "已锁定", "Locked";
    last_login: "最近登录", "Last sign-in";
    disable_user: "停用账号", "Disable";
    unlock_user: "解除锁定", "Unlock";
    reset_password: "重置密码", "Reset password";
    new_password: "新密码", "New password";
    current_password: "当前密码", "Current password";
    change_password: "修改密码", "Change password";
    password_changed: "密码已修改", "Password changed";
    password_rules: "至少 10 个字符，包含字母、数字、符号中的至少两类", "At least 10 characters mixing two of letters, digits and symbols";
    language: "界面语言", "Language";
    sessions: "登录会话", "Sessions";
    session_current: "当前会话", "This session";
    revoke: "注销", "Revoke";
    revoked: "已撤销", "Revoked";
    created_at: "创建时间", "Created";
    last_seen: "最近活动", "Last active";
    browser: "浏览器", "Browser";
    api_tokens: "API 令牌", "API tokens";
    token_name: "令牌名称", "Token name";
    token_prefix: "令牌前缀", "Prefix";
    last_used: "最近使用", "Last used";
    never: "从未", "Never";
    create_token: "创建令牌", "Create token";
    token_created: "令牌已创建。请立即复制，它只显示这一次：", "Token created. Copy it now; it is shown only once:";
    token_usage: "调用 API 时在请求头中加入 Authorization: Bearer 令牌", "Send it as Authorization: Bearer TOKEN";
    audit_log: "审计日志", "Audit log";
    entity: "对象", "Entity";
    channel: "渠道", "Channel";
    system_actor: "系统", "System";
    other_attachment: "其他", "Other";
    start_date: "起始日期", "From";
    until_date: "截止日期", "Until";
    home_welcome: "欢迎", "Welcome";
    home_scope: "您可查看的企业", "Enterprises you can see";
    stat_enterprises: "企业总数", "Enterprises";
    stat_above_designated: "规上企业", "Above designated size";
    stat_employees: "从业人员合计", "Employees in total";
    stat_revenue: "年营业收入合计（亿元）", "Annual revenue in total (100 M yuan)";
    recognitions_summary: "认定情况汇总", "Recognitions";
    by_town: "按镇街分布", "By town";
    by_industry: "按行业分布（大类）", "By industry division";
    count: "数量", "Count";
    national: "国家级", "National";
    provincial: "省级", "Provincial";
    city_level: "市级", "City";
    not_found_title: "找不到页面", "Page not found";
    not_found_text: "您要找的内容不存在，或您无权查看。", "What you are looking for does not exist, or you may not see it.";
    forbidden_title: "无权操作", "Not permitted";
    forbidden_text: "您的角色不能执行此操作。", "Your role may not do this.";
    error_title: "出错了", "Something went wrong";
    error_text: "服务器暂时无法完成请求，请稍后重试。", "The server could not complete the request; please try again later.";
    unavailable_title: "服务暂时不可用", "Temporarily unavailable";
    unavailable_text: "平台暂时无法处理请求（例如数据库正在重启），请稍候片刻再试，您填写的内容尚未提交。", "The platform cannot handle requests just now (its database may be restarting); try again in a moment. Nothing you entered has been submitted.";
    back_home: "返回首页", "Back to the start page";
    csrf_failed: "页面已过期，请刷新后重试", "The page has expired; reload it and try again";
    required_marker: "必填", "required";
    demo_notice: "演示数据均为虚构", "All demo data is fictitious";
    retired_town: "已撤并", "merged";
}

impl Tr {
    /// The label of a field named in the audit log; unknown names are shown as they are.
    pub(crate) fn field_label(&self, field: &str) -> String {
        let label = match field {
            "name" => self.name(),
            "legal_representative" => self.legal_representative(),
            "town_code" => self.town(),
            "industry_code" => self.industry_code(),
            "above_designated_size" => self.above_designated(),
            "employees" => self.employees(),
            "annual_revenue_fen" => self.annual_revenue(),
            "address" => self.address(),
            "contact_name" => self.contact_name(),
            "contact_phone" => self.contact_phone(),
            "contact_email" => self.contact_email(),
            "established_on" => self.established_on(),
            "recognitions" => self.recognitions(),
            "role" => self.role(),
            "display_name" => self.display_name(),
            "email" => self.email(),
            "phone" => self.phone(),
            "disabled" => self.disabled(),
            "locked_until" => self.locked(),
            "code" => self.code(),
            "kind" => self.kind(),
            "sector" => self.sector(),
            "description" => self.description(),
            "organization" => self.organization(),
            "database_name" => self.telemetry_database(),
            "topic" | "topics" => self.topics(),
            "criteria" => self.criteria(),
            "budget_fen" => self.budget(),
            "requested_fen" => self.requested(),
            "experts_per_application" => self.experts_per_application(),
            "review_due_on" => self.review_due_by(),
            "summary" => self.description(),
            "objectives" => self.objectives(),
            "approach" => self.approach(),
            "indicators" => self.indicators(),
            "budget" => self.proposal_budget(),
            "plan" => self.planned_milestones(),
            "comment" => self.comment(),
            "purpose" => self.attachments(),
            "file" => self.file(),
            "awarded_fen" => self.awarded(),
            "telemetry" => self.telemetry_fields(),
            "attributes" => self.attributes(),
            "commands" => self.commands(),
            "table_name" => self.telemetry_table(),
            "label" => self.device_label(),
            "profile" => self.device_profile(),
            "status" => self.status(),
            "project_name" => self.project_name(),
            "upgrade_type" => self.upgrade_type(),
            "starts_on" => self.starts_on(),
            "ends_on" => self.ends_on(),
            "programme" => self.programme(),
            "year" => self.year(),
            "title" => self.title(),
            "opens_on" => self.window(),
            "closes_on" => self.closes_on(),
            "projects_from" => self.projects_from(),
            "projects_until" => self.projects_until(),
            "notice_days" => self.notice_days(),
            "rule_set" => self.rule_set(),
            "granted_fen" => self.granted(),
            "disbursed_fen" => self.disbursed(),
            "total_investment_fen" => self.investment(),
            "expected_output_value_fen" => self.expected_output(),
            "items" => self.investment_items(),
            "hours" => self.course_hours_label(),
            "required_sessions" => self.course_required_sessions_label(),
            "field" => self.course_field_label(),
            "minutes" => self.lesson_minutes_label(),
            "body" => self.lesson_body_label(),
            "lessons" => self.course_lessons_label(),
            "place" => self.class_place_label(),
            "starts_at" => self.class_starts_label(),
            "ends_at" => self.class_ends_label(),
            "capacity" => self.class_capacity_label(),
            "trainer" => self.class_trainer_label(),
            "degree" => self.talent_degree(),
            "leader" => self.talent_leader(),
            "members" => self.talent_members_label(),
            "filed_on" => self.talent_filed_on(),
            "granted_on" => self.talent_granted_on(),
            "inventors" => self.talent_inventors(),
            "enterprise" => self.talent_enterprise_code(),
            "project" => self.talent_project(),
            "number" => self.talent_ip_number(),
            _ => return field.to_owned(),
        };
        label.to_owned()
    }

    /// The label of an audited action; unknown actions are shown as they are.
    pub(crate) fn action_label(&self, action: &str) -> String {
        let (zh, en) = match action {
            "enterprise.created" => ("登记企业", "Enterprise registered"),
            "enterprise.updated" => ("修改企业信息", "Enterprise changed"),
            "enterprise.imported" => ("表格导入", "Imported from a spreadsheet"),
            "enterprise.import" => ("导入文件", "File imported"),
            "enterprise.deleted" => ("删除企业", "Enterprise deleted"),
            "enterprise.platform_client_added" => ("加入平台服务名单", "Became a platform client"),
            "organization.created" => ("新建机构", "Organisation created"),
            "organization.updated" => ("修改机构", "Organisation changed"),
            "user.created" => ("新建用户", "User created"),
            "user.updated" => ("修改用户", "User changed"),
            "user.role_changed" => ("变更角色", "Role changed"),
            "user.disabled" => ("停用账号", "Account disabled"),
            "user.enabled" => ("启用账号", "Account enabled"),
            "user.password_changed" => ("修改密码", "Password changed"),
            "user.password_reset" => ("重置密码", "Password reset"),
            "session.login" => ("登录", "Signed in"),
            "session.login_failed" => ("登录失败", "Sign-in failed"),
            "session.logout" => ("退出", "Signed out"),
            "session.revoked" => ("注销会话", "Session revoked"),
            "token.created" => ("创建令牌", "Token created"),
            "token.used" => ("使用令牌", "Token used"),
            "token.revoked" => ("撤销令牌", "Token revoked"),
            "demo.loaded" => ("载入演示数据", "Demo data loaded"),
            "device.command" => ("下发设备命令", "Command sent to a device"),
            "device.created" => ("登记设备", "Device registered"),
            "device.deleted" => ("删除设备", "Device deleted"),
            "device.token_rotated" => ("更换设备令牌", "Device token replaced"),
            "device.updated" => ("修改设备", "Device changed"),
            "device_profile.created" => ("新建设备型号", "Device profile created"),
            "device_profile.deleted" => ("删除设备型号", "Device profile deleted"),
            "device_profile.updated" => ("修改设备型号", "Device profile changed"),
            "telemetry.retention_changed" => ("修改数据保留期", "Retention changed"),
            "expert.profile_changed" => ("修改专家信息", "Expert profile changed"),
            "project_application.created" => ("新建技改申报", "Application started"),
            "project_application.updated" => ("修改技改申报", "Application changed"),
            "project_application.deleted" => ("删除申报草稿", "Draft deleted"),
            "project_application.submit" => ("提交申报", "Application submitted"),
            "project_application.withdraw" => ("撤回申报", "Application withdrawn"),
            "project_application.town_approve" => ("镇街审核通过", "Recommended by the town"),
            "project_application.return" => ("退回修改", "Returned for changes"),
            "project_application.reject" => ("不予通过", "Rejected"),
            "project_application.send_to_experts" => ("提交专家评审", "Sent to experts"),
            "project_application.start_notice" => ("进入公示", "Put on public notice"),
            "project_application.approve" => ("批准立项", "Approved"),
            "project_application.report_completion" => ("申请验收", "Completion reported"),
            "project_application.accept" => ("验收通过", "Completion accepted"),
            "project_application.disburse" => ("登记拨付", "Payment recorded"),
            "project_application.evaluated" => ("测算补助", "Subsidy computed"),
            "project_application.attachment_added" => ("上传附件", "Attachment added"),
            "project_application.attachment_removed" => ("删除附件", "Attachment removed"),
            "project_application.objection_recorded" => ("登记异议", "Objection recorded"),
            "project_application.objection_resolved" => ("处理异议", "Objection resolved"),
            "project_batch.created" => ("新建申报批次", "Batch opened"),
            "project_batch.updated" => ("修改申报批次", "Batch changed"),
            "project_batch.published" => ("发布申报批次", "Batch published"),
            "project_batch.closed" => ("结束申报批次", "Batch closed"),
            "project_batch.imported" => ("导入往年批次", "Past batch imported"),
            "subsidy_rules.version_created" => ("新增补助规则版本", "Rule set version written"),
            "st_call.created" => ("新建重大专项指南", "Call opened"),
            "st_call.status_changed" => ("变更专项指南状态", "Call status changed"),
            "st_call.experts_assigned" => ("分配评审专家", "Experts assigned"),
            "st_call.ranked" => ("汇总评审排名", "Call ranked"),
            "st_application.submitted" => {
                ("提交重大专项申报", "Major-project application submitted")
            }
            "st_application.decided" => ("重大专项立项决定", "Award decided"),
            "st_application.milestone_added" => ("新增里程碑", "Milestone added"),
            "st_application.milestone_reported" => ("报告里程碑", "Milestone reported"),
            "st_application.milestone_accepted" => ("验收里程碑", "Milestone accepted"),
            "st_review.scored" => ("专家评分", "Review scored"),
            "st_review.conflict_refused" => {
                ("利益冲突拒绝评分", "Scoring refused: conflict of interest")
            }
            other => match actions::SERVICE_ACTIONS
                .iter()
                .find(|(a, _, _)| *a == other)
            {
                Some((_, zh, en)) => (*zh, *en),
                None => return action.to_owned(),
            },
        };
        self.pick(zh, en).to_owned()
    }

    /// The channel an audited action came through.
    pub(crate) fn channel_label(&self, channel: &str) -> String {
        let (zh, en) = match channel {
            "web" => ("网页", "web"),
            "api" => ("接口", "API"),
            "cli" => ("命令行", "command line"),
            "system" => ("系统", "system"),
            other => return other.to_owned(),
        };
        self.pick(zh, en).to_owned()
    }

    /// A value recorded in the audit log, readable: yes/no, yuan for fen, dashes for nothing.
    pub(crate) fn audit_value(&self, field: &str, value: &serde_json::Value) -> String {
        use serde_json::Value;
        match value {
            Value::Null => "—".to_owned(),
            Value::Bool(true) => self.pick("是", "yes").to_owned(),
            Value::Bool(false) => self.pick("否", "no").to_owned(),
            Value::Number(n) if field.ends_with("_fen") => n
                .as_i64()
                .map(|f| zhizao_core::Fen::new(f).to_yuan_string())
                .unwrap_or_else(|| n.to_string()),
            Value::Number(n) if field.ends_with("_until") || field.ends_with("_at") => n
                .as_i64()
                .map(|m| zhizao_core::Timestamp::from_millis(m).to_shanghai_string())
                .unwrap_or_else(|| n.to_string()),
            Value::String(s) if s.is_empty() => "—".to_owned(),
            Value::String(s) => s.chars().take(200).collect(),
            Value::Array(items) => items
                .iter()
                .map(|v| self.audit_value(field, v))
                .collect::<Vec<_>>()
                .join("、"),
            other => other.to_string().chars().take(200).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_both_languages() {
        let mut keys = std::collections::HashSet::new();
        for (key, zh, en) in ALL_MESSAGES
            .iter()
            .chain(factories::FACTORY_MESSAGES)
            .chain(markers::MARKER_MESSAGES)
            .chain(services::SERVICE_MESSAGES)
            .chain(requests::REQUEST_MESSAGES)
            .chain(requests::FIGURE_MESSAGES)
            .chain(vouchers::VOUCHER_MESSAGES)
            .chain(assessments::ASSESSMENT_MESSAGES)
            .chain(solutions::SOLUTION_MESSAGES)
            .chain(training::TRAINING_MESSAGES)
            .chain(talent::TALENT_MESSAGES)
            .chain(dashboard::DASHBOARD_MESSAGES)
            .chain(open_data::OPEN_DATA_MESSAGES)
        {
            assert!(keys.insert(*key), "{key} twice");
            assert!(
                !zh.trim().is_empty() && !en.trim().is_empty(),
                "{key} is empty in a language"
            );
            assert!(
                !zh.is_ascii() || *key == "switch_language" || zh == en || zh.contains("API"),
                "{key}: the Chinese text looks untranslated: {zh}"
            );
        }
        assert_eq!(Tr(Language::ZhCn).sign_in(), "登录");
        assert_eq!(Tr(Language::En).sign_in(), "Sign in");
    }

    /// Every word a page shows comes from here: no page source (tests aside) holds a string
    /// literal in Chinese.
    #[test]
    fn pages_hold_no_chinese_literals() {
        let pages = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
        let mut files = vec![pages.with_extension("rs")];
        let mut directories = vec![pages];
        while let Some(directory) = directories.pop() {
            for entry in std::fs::read_dir(directory).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    directories.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 10, "{files:?}");
        let is_chinese = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        let mut found = Vec::new();
        for file in &files {
            let source = std::fs::read_to_string(file).unwrap();
            let code = source.split("#[cfg(test)]").next().unwrap_or_default();
            for (index, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap_or_default();
                let quoted = line.split('"').skip(1).step_by(2);
                if quoted.into_iter().any(|text| text.chars().any(is_chinese)) {
                    found.push(format!("{}:{}: {}", file.display(), index + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "words on pages belong in i18n:\n{}",
            found.join("\n")
        );
    }
}
