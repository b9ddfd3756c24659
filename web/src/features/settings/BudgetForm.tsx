// The account's monthly budget: spending past it raises cost alerts.
import { useState, type FormEvent } from "react";
import { api, ApiError, reasonOf, type Schemas } from "../../api/client";
import { Field } from "../../components/Field";
import { useMe } from "../auth/api";
import { useCall } from "./api";

export function BudgetForm() {
  const me = useMe();
  const [value, setValue] = useState<string | null>(null);
  const save = useCall((budget: string) => api<Schemas["UserOut"]>("/v1/me", {
    method: "PATCH", body: { monthly_budget_usd: budget === "" ? null : budget },
  }), [["me"], ["overview"]]);
  const shown = value ?? me.data?.monthly_budget_usd ?? "";
  const error = save.error instanceof ApiError ? (save.error.fields.monthly_budget_usd ?? save.error.reason) : save.error ? reasonOf(save.error) : undefined;
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(shown.trim(), { onSuccess: () => setValue(null) });
  }
  return (
    <form onSubmit={submit} noValidate className="panel" aria-labelledby="budget">
      <h2 id="budget">Monthly budget</h2>
      <Field label="Monthly budget (USD)" error={error} hint="Empty for no budget.">
        <input inputMode="decimal" value={shown} onChange={(e) => setValue(e.target.value)} />
      </Field>
      <button type="submit" disabled={save.isPending}>Save budget</button>
      {save.isSuccess && <span role="status"> Saved.</span>}
    </form>
  );
}
