//! The words of service requests: the lists, a request's page, its steps and its history.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    pub(crate) fn requests_found(&self, count: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("共 {count} 项"),
            Language::En => format!("{count} requests"),
        }
    }

    pub(crate) fn request_step_done(&self, status: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已办理，当前状态：{status}"),
            Language::En => format!("Done; the request is now: {status}"),
        }
    }

    pub(crate) fn request_created(&self, number: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已提交服务申请 {number}，等待平台答复"),
            Language::En => format!("Request {number} is sent; the platform answers next"),
        }
    }

    pub(crate) fn deliveries_count(&self, count: impl std::fmt::Display) -> String {
        match self.0 {
            Language::ZhCn => format!("第 {count} 次交付"),
            Language::En => format!("delivery {count}"),
        }
    }

    /// The step an audited request action records.
    pub(crate) fn request_action_label(&self, action: &str) -> String {
        let (zh, en) = match action {
            "service_request.created" => ("提交申请", "Requested"),
            "service_request.quoted" => ("平台提出合同", "Contract proposed"),
            "service_request.declined" => ("平台谢绝", "Declined"),
            "service_request.cancelled" => ("企业撤回", "Withdrawn"),
            "service_request.confirmed" => ("企业确认合同", "Contract confirmed"),
            "service_request.delivered" => ("平台交付", "Delivered"),
            "service_request.accepted" => ("企业验收", "Accepted"),
            "service_request.disputed" => ("企业提出异议", "Disputed"),
            "service_request.rated" => ("企业评价", "Rated"),
            "service_request.file_added" => ("上传文件", "File added"),
            "factory_order.placed" => ("下单并报价", "Ordered and quoted"),
            "factory_order.accepted" => ("接受报价", "Quote accepted"),
            "factory_order.requoted" => ("重新报价", "Quoted again"),
            "factory_order.cancelled" => ("取消订单", "Cancelled"),
            "factory_order.delivered" => ("工厂交付", "Delivered"),
            "factory_order.received" => ("签收并评价", "Received and rated"),
            other => return self.action_label(other),
        };
        self.pick(zh, en).to_owned()
    }
}

messages! {
    REQUEST_MESSAGES;
    nav_requests: "服务申请", "Service requests";
    requests_title: "服务申请", "Service requests";
    requests_hint_client: "本企业向各服务平台提出的服务申请和共享工厂订单。", "Your enterprise's requests to the service platforms and its shared-factory orders.";
    requests_hint_platform: "企业向本平台提出的服务申请和共享工厂订单。", "The requests and shared-factory orders enterprises brought to your platform.";
    requests_hint_city: "全市各服务平台收到的服务申请和共享工厂订单。", "Every platform's requests and shared-factory orders.";
    waiting_on_me: "待我方办理", "Waiting on us";
    waiting_on_other: "待对方办理", "Waiting on the other side";
    waiting_on_label: "待办方", "Waiting on";
    all_requests: "全部", "All";
    all_kinds: "全部类型", "All kinds";
    no_requests: "没有符合条件的申请", "No request matches";
    request_number: "申请编号", "Request";
    request_kind_label: "类型", "Kind";
    platform_label: "服务平台", "Platform";
    requested_at_label: "申请时间", "Requested";
    request_need_label: "需求说明", "What you need";
    request_need_hint: "说明需要解决的问题、期望的结果和时间；可附图纸、照片或规格文件。", "Describe the problem, the result you expect and by when; attach drawings, photos or specifications.";
    request_service: "申请此服务", "Request this service";
    request_form_title: "申请服务", "Request the service";
    contract_title: "合同", "Contract";
    contract_amount_label: "合同金额", "Amount";
    contract_amount_yuan_label: "合同金额（元）", "Amount (yuan)";
    contract_scope_label: "服务范围", "Scope";
    contract_starts_label: "开始日期", "Starts";
    contract_due_label: "交付日期", "Due";
    contract_proposed_by: "平台提出", "Proposed by the platform";
    contract_confirmed_by: "企业确认", "Confirmed by the enterprise";
    no_contract_yet: "平台尚未提出合同", "The platform has not proposed a contract yet";
    propose_contract: "提出合同", "Propose the contract";
    propose_contract_hint: "提出后由企业确认；企业确认前可修改后再次提出。免费服务的金额为 0。", "The enterprise confirms it; until then you may change and propose again. A free service's amount is 0.";
    confirm_contract: "确认合同", "Confirm the contract";
    decline_request: "谢绝申请", "Decline";
    cancel_request: "撤回申请", "Withdraw the request";
    reason_label: "原因", "Reason";
    delivery_title: "交付", "Delivery";
    delivery_report_label: "交付报告", "Delivery report";
    deliver_request: "提交交付", "Deliver";
    deliver_hint: "写明交付内容；报告、证书、测试记录等证明文件请在下方“文件”中上传。", "Say what was delivered; upload the report, certificates or test records under Files.";
    accept_delivery: "验收通过", "Accept the delivery";
    dispute_delivery: "提出异议", "Dispute the delivery";
    dispute_reason_label: "异议说明", "What is wrong";
    rate_service: "提交评价", "Rate the service";
    rating_title: "评价", "Rating";
    on_time_badge: "按期交付", "On time";
    late_badge: "逾期交付", "Late";
    last_reason_label: "最近说明", "Latest reason";
    request_files_title: "文件", "Files";
    no_request_files: "暂无文件", "No files yet";
    request_files_hint: "企业上传需求附件，平台上传交付证明；PDF、图片、Excel 或 Word，单个不超过 20 MB。", "The enterprise adds attachments to its need, the platform its delivery evidence; PDF, images, Excel or Word, at most 20 MB each.";
    history_title: "办理记录", "History";
    factory_order_on_its_page: "共享工厂订单在订单页面办理", "A shared-factory order is handled on its order page";
    open_factory_order: "打开订单", "Open the order";
    request_stale: "该申请已被对方更新，请查看最新内容后再办理", "The other side changed this request meanwhile: read it again, then act";
    enterprises_request_hint: "企业用户登录后可申请服务。", "Enterprise users sign in to request a service.";
}

impl Tr {
    pub(crate) fn factory_orders_of(&self, count: impl std::fmt::Display) -> String {
        match self.0 {
            Language::ZhCn => format!("其中共享工厂订单 {count}"),
            Language::En => format!("{count} shared-factory orders among them"),
        }
    }

    pub(crate) fn completed_of(&self, count: impl std::fmt::Display) -> String {
        match self.0 {
            Language::ZhCn => format!("验收 {count} 项"),
            Language::En => format!("{count} accepted"),
        }
    }

    pub(crate) fn mean_of(&self, mean: &str, count: impl std::fmt::Display) -> String {
        match self.0 {
            Language::ZhCn => format!("平均 {mean} 分，{count} 条评价"),
            Language::En => format!("mean {mean} of {count} ratings"),
        }
    }

    pub(crate) fn platforms_meeting(
        &self,
        meeting: impl std::fmt::Display,
        all: impl std::fmt::Display,
    ) -> String {
        match self.0 {
            Language::ZhCn => format!("{all} 个平台中 {meeting} 个达到示范平台标准"),
            Language::En => {
                format!("{meeting} of {all} platforms meet the demonstration thresholds")
            }
        }
    }

    pub(crate) fn public_rating(&self, mean: &str, count: impl std::fmt::Display) -> String {
        match self.0 {
            Language::ZhCn => format!("企业评价 {mean} / 5（{count} 条）"),
            Language::En => format!("Rated {mean} / 5 by enterprises ({count} ratings)"),
        }
    }
}

messages! {
    FIGURE_MESSAGES;
    platform_figures_title: "服务绩效", "Figures";
    platform_figures_hint: "由平台收到的服务申请和共享工厂订单实时计算。服务企业数：当年确认合同的企业数；满意度：当年评价中 4 分及以上的占比；免费或低收费：当年合同中金额不超过 2000 元的占比。国家中小企业公共服务示范平台要求：年服务中小企业不少于 150 家、满意度不低于 80%、免费或低收费服务占比不低于 20%。", "Computed from the platform's requests and shared-factory orders. Enterprises served: enterprises whose contract was confirmed in the year; satisfaction: the share of the year's ratings of 4 or 5; free or low-cost: the share of the year's contracts of at most 2,000 yuan. A national SME public service demonstration platform serves at least 150 SMEs a year, with at least 80 % satisfaction and at least 20 % free or low-cost services.";
    no_figures_yet: "尚无服务记录", "No requests yet";
    meets_thresholds: "达到示范平台标准", "Meets the thresholds";
    served_label: "服务企业数", "Enterprises served";
    requests_label: "收到申请", "Requests";
    contracts_label: "合同数", "Contracts";

    satisfaction_label: "满意度", "Satisfaction";
    on_time_share_label: "按期交付率", "On time";
    free_share_label: "免费或低收费占比", "Free or low-cost";
    voucher_amount_label: "创新券兑付", "Vouchers redeemed";
    compare_platforms_title: "平台服务绩效对比", "Platforms' figures";
    shortfalls_label: "未达标项", "Shortfalls";
    year_label: "年度", "Year";
    view_figures: "服务绩效", "Figures";
}
