/** The sections of a report, in page order, with their headings. */
export const REPORT_SECTIONS = [
  { id: 'verdict', title: 'Health verdict' },
  { id: 'metrics', title: 'Final metrics against the raw input' },
  { id: 'settings', title: 'Settings' },
  { id: 'training', title: 'Loss and learning rate' },
  { id: 'health', title: 'Embedding health during training' },
  { id: 'distances', title: 'Pair distances at the start and the end' },
  { id: 'map', title: 'Map of the evaluation embeddings' },
  { id: 'neighbours', title: 'Nearest neighbours' },
] as const;

export type SectionId = (typeof REPORT_SECTIONS)[number]['id'];

/** A section's content (trusted HTML built by the section builders), or why it has none. */
export type SectionBody = { html: string } | { absent: string };

/** Everything a report page shows: every section is present, with content or with the reason it has none. */
export interface ReportPage {
  /** The page title, e.g. `deepmetric report: runs/1`. */
  title: string;
  /** One line under the title: data, model, steps, backend, date. */
  subtitle: string;
  sections: Record<SectionId, SectionBody>;
}
