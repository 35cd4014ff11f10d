//! The words of innovation vouchers: programmes, quotas, vouchers on contracts, the ledger.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    pub(crate) fn share_percent(&self, basis_points: i64) -> String {
        let percent = format!("{}", basis_points as f64 / 100.0);
        match self.0 {
            Language::ZhCn => format!("合同金额的 {percent}%"),
            Language::En => format!("{percent} % of a contract"),
        }
    }

    pub(crate) fn voucher_done(&self, status: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已办理，创新券当前状态：{status}"),
            Language::En => format!("Done; the voucher is now: {status}"),
        }
    }

    pub(crate) fn voucher_claims_waiting(&self, programme: &str, count: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("{programme}：{count} 项兑付申请待审核"),
            Language::En => format!("{programme}: {count} claims to review"),
        }
    }

    pub(crate) fn requests_waiting(&self, count: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("{count} 项服务申请待我方办理"),
            Language::En => format!("{count} service requests wait on you"),
        }
    }

    pub(crate) fn account_label(&self, account: &str) -> String {
        account
            .parse::<zhizao_services::Account>()
            .map_or_else(|_| account.to_owned(), |a| self.text(&a.label()).to_owned())
    }
}

messages! {
    VOUCHER_MESSAGES;
    nav_vouchers: "科技创新券", "Innovation vouchers";
    vouchers_title: "科技创新券", "Innovation vouchers";
    vouchers_hint: "市科技局设立创新券计划，企业申领额度后可抵扣购买平台服务合同金额的一部分；服务验收后由平台申请兑付，市科技局审核后拨付。", "The city opens voucher programmes; an enterprise granted a quota pays part of a service contract with it; after the delivery is accepted the platform claims redemption and the city reviews and reimburses.";
    no_programmes: "暂无创新券计划", "No voucher programmes yet";
    open_programme_title: "设立创新券计划", "Open a programme";
    programme_code_label: "计划编号", "Code";
    programme_title_label: "计划名称", "Title";
    budget_yuan_label: "预算（元）", "Budget (yuan)";
    budget_label: "预算", "Budget";
    share_label: "抵扣比例", "Share of a contract";
    share_bp_label: "抵扣比例（万分比，5000 即 50%）", "Share (basis points; 5000 is 50 %)";
    cap_label: "每家企业上限", "Cap per enterprise";
    cap_yuan_label: "每家企业上限（元）", "Cap per enterprise (yuan)";
    eligible_sectors_label: "适用板块", "Eligible sectors";
    eligible_platforms_label: "适用平台", "Eligible platforms";
    all_eligible: "全部", "All";
    eligible_codes_hint: "填写编码，逗号分隔；留空为全部。", "Codes, comma-separated; empty for all.";
    ends_on_label: "额度有效期至", "Quotas valid until";
    unallocated_label: "未分配预算", "Unallocated";
    programme_open_badge: "申领中", "Open";
    programme_closed_badge: "已结束", "Closed";
    close_programme: "结束计划", "Close the programme";
    close_programme_confirm: "结束后未使用的额度全部过期，确定结束？", "Unused quotas expire when the programme closes. Close it?";
    my_quota_title: "本企业额度", "Your quota";
    quota_amount_yuan_label: "申领金额（元）", "Amount (yuan)";
    quota_purpose_label: "用途说明", "What for";
    apply_quota: "提交申领", "Apply";
    quotas_title: "企业额度", "Quotas";
    quota_status_label: "额度状态", "Quota";
    requested_label: "申领", "Requested";
    granted_label: "已发放", "Granted";
    grant_quota: "发放", "Grant";
    refuse_quota: "不予发放", "Refuse";
    grant_direct_title: "直接发放额度", "Grant a quota directly";
    enterprise_code_label: "企业统一社会信用代码", "Enterprise's credit code";
    grant_yuan_label: "发放金额（元）", "Amount (yuan)";
    claims_title: "兑付申请", "Claims";
    no_claims: "暂无待审核的兑付申请", "No claims to review";
    approve_claim: "核准兑付", "Approve";
    return_claim: "退回", "Return";
    review_note_label: "审核意见（退回时必填）", "Note (required to return)";
    reimburse_title: "待拨付", "To reimburse";
    payment_reference_label: "拨付凭证号", "Payment reference";
    reimburse: "登记拨付", "Record the payment";
    vouchers_on_contracts: "合同抵扣", "Vouchers on contracts";
    ledger_title: "台账", "Ledger";
    ledger_hint: "复式记账：每笔金额从贷方账户转入借方账户；各账户余额由台账汇总，除财政拨款外均不为负。", "Double entry: each amount moves from the credit account to the debit account; every balance is the ledger's sum and none but the appropriation goes below zero.";
    debit_label: "借方（转入）", "Debit (to)";
    credit_label: "贷方（转出）", "Credit (from)";
    memo_label: "摘要", "Memo";
    voucher_title: "科技创新券", "Innovation voucher";
    voucher_amount_yuan_label: "抵扣金额（元）", "Amount (yuan)";
    voucher_programme_label: "创新券计划", "Programme";
    use_voucher: "使用创新券抵扣", "Pay with a voucher";
    use_voucher_hint: "可抵扣合同金额的一部分，不超过计划规定比例和本企业可用额度。", "A voucher pays part of the contract: at most the programme's share and your free quota.";
    release_voucher: "释放创新券", "Release the voucher";
    claim_voucher: "申请兑付", "Claim redemption";
    claim_hint: "企业验收后，凭合同、交付证明（已上传的交付文件）和企业自付部分的付款凭证申请兑付。", "Once the enterprise accepted the delivery, claim with the contract, the delivery evidence (the files uploaded) and proof of the enterprise's own payment.";
    payment_proof_label: "企业自付凭证", "Proof of the enterprise's payment";
    available_label: "可用", "Available";
    reserved_label: "已预占", "Reserved";
    redeemed_label: "已兑付", "Redeemed";
    reimbursed_label: "已拨付", "Reimbursed";
    expired_label: "已过期", "Expired";
}
