from essay_crawler.cli import main

raise SystemExit(main())
