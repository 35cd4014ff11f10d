//! The marker-making pages' words: patterns, runs, markers and cut plans.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    pub(crate) fn field_not_whole(&self, label: &str, text: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("{label}：“{text}”不是整数"),
            Language::En => format!("{label}: {text:?} is not a whole number"),
        }
    }

    pub(crate) fn field_not_number(&self, label: &str, text: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("{label}：“{text}”不是数字"),
            Language::En => format!("{label}: {text:?} is not a number"),
        }
    }

    pub(crate) fn plan_marker_label(&self, number: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("排料图 {number}"),
            Language::En => format!("Marker {number}"),
        }
    }
}

messages! {
    MARKER_MESSAGES;
    markers_nav: "排料", "Markers";
    patterns_title: "纸样与排料", "Patterns and markers";
    patterns_hint: "上传服装 CAD 导出的 AAMA/ASTM DXF 纸样（或排料问题 JSON），在面料幅宽上自动排料：排料在后台运行，页面实时显示越排越短的排料图；也可按颜色 × 尺码的订单数量生成裁剪方案（排料图配比、每床层数、用料和成本）。", "Upload a garment CAD system's AAMA / ASTM DXF pattern (or a nesting problem JSON) and nest it on the fabric width: the search runs in the background and the page shows the marker growing shorter; or plan the cut of an order's colour × size quantities (marker ratios, plies per lay, fabric and cost).";
    no_patterns_yet: "还没有纸样", "No patterns yet";
    upload_pattern_title: "上传纸样", "Upload a pattern";
    pattern_name_label: "纸样名称", "Pattern name";
    pattern_file_label: "纸样文件（DXF 或 JSON）", "Pattern file (DXF or JSON)";
    pattern_order_label: "订单号（可选）", "Order number (optional)";
    pattern_order_hint: "填写订单号而不选文件时，使用该订单最新上传的纸样文件", "With an order number and no file, the order's newest pattern file is used";
    fabric_width_label: "面料幅宽（厘米）", "Fabric width (cm)";
    spacing_label: "裁片间距（毫米）", "Spacing between pieces (mm)";
    file_unit_label: "文件单位", "File unit";
    unit_from_file: "按文件", "As the file says";
    rotations_label: "允许旋转", "Rotations allowed";
    upload_and_read: "上传并读取", "Upload and read";
    pattern_uploaded: "纸样已读取", "The pattern was read";
    pieces_label: "裁片", "Pieces";
    copies_label: "每套片数", "Copies";
    runs_label: "排料次数", "Runs";
    best_density_label: "最佳利用率 %", "Best density %";
    size_label: "尺码", "Size";
    unit_label: "单位", "Unit";
    total_area_label: "裁片总面积", "Total piece area";
    run_marker_title: "排料", "Nest a marker";
    run_marker_hint: "把本纸样的全部裁片排在一张排料图上，在时限内尽量缩短长度；可随时提前停止并保留当前最佳结果。", "Nest every piece of the pattern in one marker as short as the time allows; stop early at any time and keep the best so far.";
    time_limit_label: "时限（秒）", "Time limit (s)";
    threads_label: "线程数", "Threads";
    start_marker: "开始排料", "Start nesting";
    cut_plan_title: "裁剪方案", "Cut plan";
    cut_plan_hint: "按颜色和尺码填写件数：系统选择各排料图的尺码配比（每张排料图都真实排料）和每种颜色的层数，以最低总成本（面料、排料图、拉布）满足数量。", "Give the garments per colour and size: the planner chooses the size ratios of the markers (each nested for real) and the plies per colour that meet the quantities at the least total cost (fabric, markers, spreads).";
    colour_label: "颜色", "Colour";
    plan_time_limit_label: "每张排料图时限（秒）", "Time per marker (s)";
    max_plies_label: "最高层数", "Maximum plies";
    table_length_label: "裁床长度（米）", "Table length (m)";
    end_allowance_label: "每层端头余量（厘米）", "End allowance per ply (cm)";
    max_garments_label: "每张排料图最多件数", "Most garments per marker";
    overcut_label: "允许超裁 %", "Over-cut allowed %";
    fabric_price_label: "面料单价（元/米）", "Fabric (yuan a metre)";
    marker_cost_label: "每张排料图费用（元）", "Making a marker (yuan)";
    spread_cost_label: "每床拉布费用（元）", "Spreading a lay (yuan)";
    start_cut_plan: "生成裁剪方案", "Plan the cut";
    runs_title: "排料记录", "Runs";
    no_runs_yet: "还没有排料", "No runs yet";
    kind_label: "类型", "Kind";
    length_metres_label: "长度（米）", "Length (m)";
    order_number_label: "订单号", "Order";
    square_metres: "平方米", "m²";
    square_centimetres: "平方厘米", "cm²";
    density_label: "利用率 %", "Density %";
    progress_label: "进度", "Progress";
    stop_run: "提前停止", "Stop now";
    run_stopping: "正在停止，保留当前最佳结果", "Stopping; the best result so far is kept";
    run_waiting: "排料中，页面会自动更新", "Running; this page updates itself";
    marker_length_label: "排料图长度", "Marker length";
    metres_label: "米", "m";
    waste_label: "损耗 %", "Waste %";
    started_label: "开始", "Started";
    finished_label: "结束", "Finished";
    download_svg: "SVG 图", "SVG";
    download_json: "排料 JSON", "Marker JSON";
    download_plt: "HPGL/PLT（绘图机、裁床）", "HPGL/PLT (plotters, cutters)";
    no_marker_yet: "尚未得到排料图", "No marker yet";
    run_failed: "排料失败", "The run failed";
    plan_markers_title: "排料图", "Markers";
    garments_label: "件数", "Garments";
    lays_title: "拉布床次", "Lays";
    marker_number_label: "排料图", "Marker";
    plies_label: "层数", "Plies";
    ply_length_label: "每层长度（米）", "Ply length (m)";
    fabric_used_label: "用料（米）", "Fabric (m)";
    cut_quantities_title: "裁剪数量", "Quantities cut";
    ordered_label: "订单数", "Ordered";
    cut_label: "裁剪数", "Cut";
    plan_totals_title: "用料与成本", "Fabric and cost";
    this_plan_label: "本方案", "This plan";
    per_size_plan_label: "每个尺码单独排料", "One marker per size";
    lower_bound_label: "理论下限（裁片面积 ÷ 幅宽）", "Lower bound (piece area ÷ width)";
    fabric_cost_label: "面料（元）", "Fabric (yuan)";
    markers_cost_label: "排料图（元）", "Markers (yuan)";
    spreads_cost_label: "拉布（元）", "Spreads (yuan)";
    saved_label: "较单尺码排料节省面料 %", "Fabric saved against one marker per size %";
    back_to_pattern: "返回纸样", "Back to the pattern";
    created_label: "创建", "Created";
    colour_needed_for_row: "填写了件数的行须写明颜色", "A row with quantities needs its colour";
}
