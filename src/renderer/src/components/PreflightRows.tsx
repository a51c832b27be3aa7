import type { PreflightRow } from '#contract';

/** The preflight's rows, as the CLI prints them: the preflight dialog and a capability request show them alike. */
export function PreflightRows({ rows, label }: { rows: readonly PreflightRow[]; label?: string }) {
  return (
    <table className="preflight-rows" {...(label ? { 'aria-label': label } : {})}>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label} data-row={row.label}>
            <th scope="row">{row.label}</th>
            <td>
              {row.lines.map((line, index) => (
                <div key={index} className={`tone-${line.tone}`}>
                  {line.text}
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
