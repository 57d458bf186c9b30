// Page behaviour without inline scripts (the Content-Security-Policy allows none).
// Charts: an element with data-chart="ID" is drawn from the JSON in <script id="ID" type="application/json">.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-chart]").forEach((el) => {
    if (!window.echarts) return;
    const spec = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    const chart = window.echarts.init(el);
    chart.setOption({
      tooltip: {},
      xAxis: { type: "category", data: spec.categories },
      yAxis: { type: "value", name: spec.unit || "万元" },
      series: [{ type: "bar", data: spec.values.map(Number) }],
    });
  });
  // Confirm dangerous actions: <button data-confirm="…">.
  document.body.addEventListener("click", (e) => {
    const btn = e.target.closest("[data-confirm]");
    if (btn && !window.confirm(btn.dataset.confirm)) e.preventDefault();
  });
});

// Goal declaration (goals/edit.html): the indicator formset, 二级 options that follow 一级, rows marked by
// the live findings, operator and unit filled from a typed target, and 「添加」 from recommendations.
(() => {
  const treeOf = (root) => {
    const holder = root && root.dataset.tree && document.getElementById(root.dataset.tree);
    return holder ? JSON.parse(holder.textContent) : {};
  };

  // 二级 options for the 一级 chosen in the same row (or form); a value outside the tree stays selectable.
  const fillLevel2 = (level1, keep) => {
    const scope = level1.closest("[data-formset-row]") || level1.form;
    const level2 = scope && scope.querySelector("[data-level2]");
    if (!level2) return;
    const wanted = keep !== undefined ? keep : level2.value;
    const names = treeOf(level1.closest("[data-indicator-form]"))[level1.value] || [];
    const options = level2.querySelector('option[value=""]') ? [""] : [];
    level2.replaceChildren(
      ...options.concat(names, wanted && !names.includes(wanted) ? [wanted] : []).map((name) => new Option(name || "—", name)),
    );
    level2.value = wanted || "";
  };

  const renumber = (body) => {
    let n = 0;
    body.querySelectorAll("[data-formset-row]").forEach((row) => {
      const cell = row.querySelector("[data-row-number]");
      if (!row.classList.contains("d-none") && cell) cell.textContent = String(++n);
    });
  };

  // A new row from the empty form, filled with `values` (field name → value); returns the row.
  const addRow = (container, values) => {
    const prefix = container.dataset.prefix;
    const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
    const index = Number(total.value);
    const html = container.querySelector("template[data-formset-template]").innerHTML.replaceAll("__prefix__", String(index));
    const body = container.querySelector("[data-formset-body]");
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const row = body.lastElementChild;
    const field = (name) => row.querySelector(`[name="${prefix}-${index}-${name}"]`);
    Object.entries(values || {}).forEach(([name, value]) => {
      const el = field(name);
      if (!el || name === "level2") return;
      if (el.type === "checkbox") el.checked = value === "True" || value === "true";
      else el.value = value;
    });
    const level1 = field("level1");
    if (level1) fillLevel2(level1, (values && values.level2) || "");
    renumber(body);
    // Let the live check see the new row (htmx listens for input events on the form).
    (field("name") || row.querySelector("input")).dispatchEvent(new Event("input", { bubbles: true }));
    return row;
  };

  // Mark the rows and fields the findings point at; fill operator and unit read from a typed target.
  const markFindings = () => {
    const table = document.querySelector("[data-indicator-table]");
    if (!table) return;
    table.querySelectorAll("tr[data-row]").forEach((row) => row.classList.remove("table-danger", "table-warning"));
    table.querySelectorAll(".is-invalid").forEach((el) => el.classList.remove("is-invalid"));
    document.querySelectorAll("[data-finding][data-row]").forEach((item) => {
      const row = table.querySelector(`tr[data-row="${item.dataset.row}"]`);
      if (!row) return;
      const blocking = item.dataset.severity === "blocking";
      if (blocking) row.classList.remove("table-warning");
      if (blocking || !row.classList.contains("table-danger")) row.classList.add(blocking ? "table-danger" : "table-warning");
      const column = item.dataset.column && row.querySelector(`[name$="-${item.dataset.column}"]`);
      if (column && blocking) column.classList.add("is-invalid");
    });
    document.querySelectorAll("[data-parsed]").forEach((hint) => {
      const row = table.querySelector(`tr[data-row="${hint.dataset.row}"]`);
      if (!row) return;
      const operator = row.querySelector("[data-operator]");
      const unit = row.querySelector("[data-unit]");
      if (operator && !operator.value && hint.dataset.operator) operator.value = hint.dataset.operator;
      if (unit && !unit.value && hint.dataset.unit) unit.value = hint.dataset.unit;
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-formset-body]").forEach(renumber);
    markFindings();
  });
  document.addEventListener("htmx:afterSettle", markFindings);

  document.addEventListener("change", (e) => {
    if (e.target.matches("[data-level1]")) fillLevel2(e.target, "");
  });

  document.addEventListener("click", (e) => {
    const add = e.target.closest("[data-formset-add]");
    if (add) {
      const container = document.querySelector("[data-formset]");
      addRow(container, {}).querySelector("[data-level1]").focus();
      return;
    }
    const remove = e.target.closest("[data-formset-remove]");
    if (remove) {
      const row = remove.closest("[data-formset-row]");
      row.querySelector('input[name$="-DELETE"]').checked = true;
      row.classList.add("d-none");
      renumber(row.parentElement);
      row.querySelector('input[name$="-DELETE"]').dispatchEvent(new Event("input", { bubbles: true }));
      return;
    }
    const suggestion = e.target.closest("[data-add-indicator]");
    if (suggestion) {
      const container = document.querySelector("[data-formset]");
      const row = addRow(container, JSON.parse(suggestion.dataset.addIndicator));
      row.scrollIntoView({ block: "center" });
      suggestion.textContent = "已添加";
      suggestion.disabled = true;
      return;
    }
    // A finding points at its row: a click takes the user there.
    const finding = e.target.closest("[data-finding][data-row]");
    if (finding) {
      const row = document.querySelector(`[data-indicator-table] tr[data-row="${finding.dataset.row}"]`);
      if (!row) return;
      row.scrollIntoView({ block: "center" });
      const field = (finding.dataset.column && row.querySelector(`[name$="-${finding.dataset.column}"]`)) || row.querySelector("input, select");
      if (field) field.focus();
    }
    // 全选 of a list's checkboxes: <input data-check-all="NAME"> ticks every checkbox named NAME.
    const all = e.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`).forEach((box) => {
        box.checked = all.checked;
      });
    }
  });
})();
