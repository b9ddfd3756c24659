// Account settings in one page.
import { ApiKeys } from "./ApiKeys";
import { BudgetForm } from "./BudgetForm";
import { PasswordForm, Sessions } from "./Security";
import { Webhooks } from "./Webhooks";

export function SettingsPage() {
  return (
    <>
      <h1>Settings</h1>
      <BudgetForm />
      <ApiKeys />
      <Webhooks />
      <PasswordForm />
      <Sessions />
    </>
  );
}
