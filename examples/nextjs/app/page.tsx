import { Uploader } from './Uploader';

/** The page; `?uploader=stock` uses the stock @uppy/aws-s3 against the same routes. */
export default async function Page({ searchParams }: { searchParams: Promise<{ uploader?: string }> }) {
  const { uploader } = await searchParams;
  return <Uploader stock={uploader === 'stock'} />;
}
