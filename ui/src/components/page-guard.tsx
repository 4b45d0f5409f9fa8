/**
 * Keeps one view's failure to that view: an answer a view could not read (a node of the
 * roster is another machine) shows a message where the view was, and the header, the search
 * and the other views keep working.
 */
import { Component, type ComponentChildren, type JSX } from 'preact';

interface GuardState {
  error: string | undefined;
}

export class PageGuard extends Component<{ children: ComponentChildren }, GuardState> {
  override state: GuardState = { error: undefined };

  static getDerivedStateFromError(error: unknown): GuardState {
    return { error: error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500) };
  }

  override render(): JSX.Element {
    if (this.state.error === undefined) return <>{this.props.children}</>;
    return (
      <article class="error-note" data-testid="page-error">
        This view stopped on an answer it could not read: {this.state.error}.{' '}
        <a href="#" onClick={(e) => (e.preventDefault(), this.setState({ error: undefined }))}>
          Try again
        </a>
      </article>
    );
  }
}
