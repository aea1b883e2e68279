/** Whether Ignacio and what it depends on answer, checked every 15 seconds. */
import { useQuery } from "@tanstack/react-query";
import { fetchClient } from "../../api/client";
import type { Health } from "../../api/types";
import { Badge, ErrorNotice, Loading, PageHeader } from "../../components/ui";

export function HealthPage() {
  // /health answers 503 with the same body when something is down: read both.
  const health = useQuery({
    queryKey: ["get", "/health"],
    refetchInterval: 15_000,
    queryFn: async (): Promise<Health & { httpStatus: number }> => {
      const { data, error, response } = await fetchClient.GET("/health");
      const body = (data ?? error) as Health | undefined;
      if (!body || typeof body !== "object" || !("checks" in body)) throw new Error(`Health check failed (${response.status}).`);
      return { ...body, httpStatus: response.status };
    },
  });
  const data = health.data;
  const healthy = data?.status === "ok";
  return (
    <main id="main" className="page narrow">
      <PageHeader title="System health" />
      {health.isPending ? <Loading label="Checking…" /> : null}
      <ErrorNotice error={health.error} title="Ignacio did not answer." />
      {data ? (
        <section className="card" aria-labelledby="health-status">
          <h2 id="health-status">
            {healthy ? "Everything is working" : "Something is down"}{" "}
            <Badge tone={healthy ? "success" : "danger"}>{healthy ? "OK" : "Unavailable"}</Badge>
          </h2>
          <table className="table compact">
            <caption className="visually-hidden">Checks</caption>
            <thead>
              <tr>
                <th scope="col">Dependency</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(data.checks).map(([name, state]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td>
                    <Badge tone={state === "ok" ? "success" : "danger"}>{state}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint" role="status">
            Checked at {new Date(health.dataUpdatedAt).toLocaleTimeString()} (HTTP {data.httpStatus}); checked again every 15 seconds.
          </p>
        </section>
      ) : null}
    </main>
  );
}
