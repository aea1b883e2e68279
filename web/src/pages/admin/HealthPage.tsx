/** Whether Ignacio and everything it depends on work, checked every 15 seconds (the server asks
 * WhatsApp and the model at most once per 5 minutes). Problems come first. */
import { $api } from "../../api/client";
import type { HealthCheck } from "../../api/types";
import { Badge, ErrorNotice, Loading, PageHeader } from "../../components/ui";

const LABELS: Record<string, string> = {
  database: "Database",
  storage: "File storage",
  queue: "WhatsApp messages waiting",
  whatsapp: "WhatsApp channel",
  model: "Model",
};

function label(name: string): string {
  return LABELS[name] ?? name;
}

/** Problems first, each group in the server's order. */
function problemsFirst(checks: HealthCheck[]): HealthCheck[] {
  return [...checks.filter((check) => !check.ok), ...checks.filter((check) => check.ok)];
}

export function HealthPage() {
  const health = $api.useQuery("get", "/admin/health", {}, { refetchInterval: 15_000 });
  const data = health.data;
  const problems = data ? data.checks.filter((check) => !check.ok).length : 0;
  const heading = data?.healthy ? "Everything is working" : problems === 1 ? "1 problem" : `${problems} problems`;
  return (
    <main id="main" className="page narrow">
      <PageHeader title="System health" />
      {health.isPending ? <Loading label="Checking…" /> : null}
      <ErrorNotice error={health.error} title="Ignacio did not answer." />
      {data ? (
        <section className="card" aria-labelledby="health-status">
          <h2 id="health-status">
            {heading}{" "}
            <Badge tone={data.healthy ? "success" : "danger"}>{data.healthy ? "OK" : "Needs attention"}</Badge>
          </h2>
          <table className="table compact">
            <caption className="visually-hidden">Checks</caption>
            <thead>
              <tr>
                <th scope="col">Dependency</th>
                <th scope="col">State</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {problemsFirst(data.checks).map((check) => (
                <tr key={check.name}>
                  <th scope="row" data-label="Dependency">
                    {label(check.name)}
                  </th>
                  <td data-label="State">
                    <Badge tone={check.ok ? "success" : "danger"}>{check.ok ? "OK" : "Problem"}</Badge>
                  </td>
                  <td data-label="Details" className="details">
                    {check.detail}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint" role="status">
            Checked at {new Date(health.dataUpdatedAt).toLocaleTimeString()}; checked again every 15 seconds. The
            WhatsApp channel and the model are asked at most once every 5 minutes.
          </p>
        </section>
      ) : null}
    </main>
  );
}
